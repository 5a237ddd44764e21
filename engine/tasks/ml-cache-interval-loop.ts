// The 'loop' ML-Cache path: one run per refresh interval (engine/graphs/ml-cache-interval.ts), so the K/V and
// logit caches never cross to the host. The host hands over the rows and everything random or scheduled for the
// interval's steps (sampling uniforms, re-masking Gumbel values, keep counts; all depend only on the seed, the
// step and how many cells are masked) and the quantile's rank per row; progress, previews and cancellation come
// once per interval (engine-design §3).
import { EngineError, type ProgressEvent } from '../api.js';
import type { MlCacheIntervalBackend } from '../runtime/ml-cache-interval-session.js';
import type { TokenLayout } from '../sampling/layout-type.js';
import { remaskGumbels } from '../sampling/remask.js';
import { samplingNoise } from '../sampling/rng.js';
import { cosineKeepCount, scheduledSteps } from '../sampling/schedule.js';
import * as sequence from '../sequence.js';
import { throwIfCancelled } from './image-loop.js';
import type { CachedLoopOptions, CachedLoopResult } from './ml-cache-options.js';
import { PreviewPacer, previewCodes } from './preview.js';

const f32 = Math.fround;

/** torch.quantile's rank for n values at q, as engine/sampling/ml-cache.ts computes it: lo, hi, w, 1 − w. */
function quantileRank(n: number, q: number) {
  const rank = f32(f32(q) * (n - 1));
  const lo = Math.floor(rank);
  const w = f32(rank - lo);
  return { lo, hi: Math.ceil(rank), w, omw: f32(1 - w) };
}

export async function runIntervalImageLoop(
  seq: sequence.ImageGenerationSequence,
  layout: TokenLayout,
  backend: MlCacheIntervalBackend,
  options: CachedLoopOptions,
): Promise<CachedLoopResult> {
  const { plan, steps: T, seed, temperature } = options;
  const x = Int32Array.from(seq.ids);
  const rows = () => [x, ...seq.branches.map((b) => sequence.branchIds(seq, b, x))];
  const lengths = rows().map((r) => r.length);
  const N = lengths.length;
  const L = Math.max(...lengths);
  if (N !== backend.rows) {
    throw new EngineError(
      'internal',
      `the ML-Cache interval graph runs ${backend.rows} rows, this task has ${N}`,
    );
  }
  const mask = new BigInt64Array(N * L);
  for (const [r, len] of lengths.entries()) mask.fill(1n, r * L, r * L + len);
  const ranks = lengths.map((n) => quantileRank(n, 1 - plan.cacheRatio));
  const quantile = {
    lengths: BigInt64Array.from(lengths, BigInt),
    qLo: BigInt64Array.from(ranks, (r) => BigInt(r.lo)),
    qHi: BigInt64Array.from(ranks, (r) => BigInt(r.hi)),
    qW: Float32Array.from(ranks, (r) => r.w),
    qOmw: Float32Array.from(ranks, (r) => r.omw),
  };
  const pacer = new PreviewPacer(options.preview);
  let masked = sequence.maskedCellPositions(seq, x, layout);
  const initialMasked = masked.length;
  const plannedSteps = scheduledSteps(initialMasked, T);
  let forwardMs = 0;
  let tokensRun = 0;
  let step = 0;

  while (step < T && masked.length > 0) {
    throwIfCancelled(options.signal);
    if (!plan.full[step]) throw new Error(`ML-Cache interval must start at a full step, not ${step}`);
    let cachedSteps = 0;
    while (step + 1 + cachedSteps < T && !plan.full[step + 1 + cachedSteps]) cachedSteps += 1;
    const I = 1 + cachedSteps;
    const M = masked.length;
    const noise = new Float32Array(I * M);
    const gumbels = new Float64Array(I * M);
    const keep = new BigInt64Array(I);
    for (let i = 0; i < I; i++) {
      if (temperature > 0) {
        noise.set(samplingNoise(seed, step + i, M, 1), i * M);
        gumbels.set(remaskGumbels(seed, step + i, M), i * M);
      }
      keep[i] = BigInt(cosineKeepCount(step + i, T, initialMasked));
    }
    const ids = new BigInt64Array(N * L);
    rows().forEach((r, n) => {
      for (let p = 0; p < r.length; p++) ids[n * L + p] = BigInt(r[p]!);
    });
    const positions = [masked, ...seq.branches.map((b) => sequence.toBranchPositions(masked, b))];
    const gatherPos = new BigInt64Array(N * M);
    positions.forEach((p, n) => {
      for (let i = 0; i < M; i++) gatherPos[n * M + i] = BigInt(p[i]!);
    });
    const out = await backend.run({
      ids,
      mask,
      N,
      L,
      gatherPos,
      M,
      weights: options.weights,
      temperature,
      noise,
      gumbel: gumbels,
      keep,
      ...quantile,
      cachedSteps,
    });
    forwardMs += out.forwardMs;
    for (let p = 0; p < lengths[0]!; p++) x[p] = Number(out.ids[p]!);
    tokensRun += lengths.reduce((s, v) => s + v, 0) + out.recomputed.reduce((s, v) => s + v, 0);
    const ran = 1 + out.recomputed.length;
    masked = sequence.maskedCellPositions(seq, x, layout);
    const preview = await pacer.maybe(masked.length, () =>
      previewCodes(seq, x, out.bestPos, out.best, layout),
    );
    for (let i = 1; i <= ran; i++) {
      throwIfCancelled(options.signal); // a listener may abort on any of the interval's events
      const event: ProgressEvent = { step: step + i, total: plannedSteps };
      if (i === ran && preview) event.preview = preview;
      options.onProgress?.(event);
    }
    step += ran;
  }
  return {
    codes: sequence.readImageCodes(seq, x, layout),
    forwardMs,
    stepsRun: step,
    tokensRun,
    tokensFull: step * lengths.reduce((s, v) => s + v, 0),
  };
}
