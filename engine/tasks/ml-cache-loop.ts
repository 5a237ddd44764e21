// Text-to-image with ML-Cache (dimoo-inference.md §4.4): full steps run the whole sequence of every branch and
// refill the caches (rotated keys and values per layer, image-slice logits at every position); cached steps run only the
// positions picked after the previous step (max image logit ≤ the (1 − cache_ratio) quantile over the branch's
// whole sequence, reproducing torch.quantile's float32 arithmetic), writing their K/V and logits into the caches.
// Three interchangeable paths, all drawing the image-step graph's noise and giving the same tokens for a seed
// (test/engine/tasks/ml-cache-paths.e2e.test.ts):
//   'per-step' (ml-cache-host-step.ts): the caches live on the host; a cached run takes the whole K/V caches in
//     and returns the selected rows; guidance, sampling and the max logits run in JS.
//   'in-graph' (ml-cache-graph-step.ts): the graphs scatter into the caches themselves and return them, fed back
//     unread as the next run's inputs; guidance, sampling and max logits run in the graph; the host reads [M]
//     codes and [N, L] max logits and does the selection.
//   'loop' (ml-cache-interval-loop.ts, engine/graphs/ml-cache-interval.ts): one run per refresh interval, the
//     full step and the cached steps after it inside an ONNX Loop; commit, re-masking and selection are in the
//     graph too, so the caches never leave onnxruntime. Progress, previews and cancellation come per interval
//     (≤ refresh_interval steps; warm-up steps are intervals of one).
// Default 'loop' on both providers. CPU (small preset, 256², T=32, best of 5 interleaved runs on 2 shared vCPUs,
// CPU time / wall): loop 8.8 s / 4.5 s, per-step 10.6 s / 6.5 s, in-graph 11.7 s / 7.8 s, no cache 18.6 s / 16.8 s
// (bench/results/engine-tasks.json): in-graph pays for copying every cache into JS each step. CUDA: onnxruntime-
// node 1.30 returns every output in host memory (its `preferredOutputLocation: 'gpu-buffer'` binds WebGPU's
// buffer type only; the Node binding has no CUDA IO binding), so per-step and in-graph would move the fp32 K/V
// caches (≈ 4.5 GB per branch at 1024²) across PCIe every cached step, in-graph both ways; loop moves none.
// createEngine's `mlCachePath` option (DIMOO_ML_CACHE_PATH in the bot's config) overrides the default.
import { EngineError, type MlCachePath, type ProgressEvent } from '../api.js';
import type { MlCacheIntervalBackend } from '../runtime/ml-cache-interval-session.js';
import type { MlCacheBackend } from '../runtime/ml-cache-session.js';
import type { MlCacheStateBackend } from '../runtime/ml-cache-state-session.js';
import { checkProbabilities } from '../runtime/overflow-guard.js';
import { applyImageStep } from '../sampling/image-step.js';
import type { TokenLayout } from '../sampling/layout-type.js';
import { isFullStep, needsSelectionAfter, selectRecompute } from '../sampling/ml-cache.js';
import { samplingNoise } from '../sampling/rng.js';
import { scheduledSteps } from '../sampling/schedule.js';
import {
  branchIds,
  type ImageGenerationSequence,
  maskedCellPositions,
  readImageCodes,
  toBranchPositions,
} from '../sequence.js';
import { throwIfCancelled } from './image-loop.js';
import { graphCachedStep } from './ml-cache-graph-step.js';
import { hostCachedStep } from './ml-cache-host-step.js';
import { runIntervalImageLoop } from './ml-cache-interval-loop.js';
import type { CachedLoopOptions, CachedLoopResult } from './ml-cache-options.js';
import { PreviewPacer, previewCodes } from './preview.js';

/**
 * The ML-Cache path: `override` (createEngine's `mlCachePath`) when set, else 'loop' on every provider: measured
 * fastest on CPU, and the only path that keeps the caches on a GPU. Checked again here for callers without types.
 */
export function mlCachePathFor(override?: string): MlCachePath {
  if (override === undefined || override === '') return 'loop';
  if (override === 'per-step' || override === 'in-graph' || override === 'loop') return override;
  const detail = `mlCachePath (DIMOO_ML_CACHE_PATH) must be "per-step", "in-graph" or "loop", got "${override}"`;
  throw new EngineError('bad_request', detail, { detail });
}

export async function runCachedImageLoop(
  seq: ImageGenerationSequence,
  layout: TokenLayout,
  backend: MlCacheBackend | MlCacheStateBackend | MlCacheIntervalBackend,
  options: CachedLoopOptions,
): Promise<CachedLoopResult> {
  if (backend.path === 'loop') return runIntervalImageLoop(seq, layout, backend, options);
  const x = Int32Array.from(seq.ids);
  const rows = () => [x, ...seq.branches.map((b) => branchIds(seq, b, x))];
  const lengths = rows().map((r) => r.length);
  const N = lengths.length;
  const L = Math.max(...lengths);
  const mask = new BigInt64Array(N * L);
  for (const [r, len] of lengths.entries()) mask.fill(1n, r * L, r * L + len);
  const sampling = { weights: options.weights, temperature: options.temperature };
  const runStep =
    backend.path === 'in-graph'
      ? graphCachedStep(backend, { N, L, mask }, sampling)
      : hostCachedStep(backend, { N, L, K: layout.codebookSize, mask }, sampling);
  const pacer = new PreviewPacer(options.preview);
  let selected: Int32Array[] = [];
  let masked = maskedCellPositions(seq, x, layout);
  const initialMasked = masked.length;
  const plannedSteps = scheduledSteps(initialMasked, options.steps);
  let forwardMs = 0;
  let tokensRun = 0;
  let stepsRun = 0;

  for (let step = 0; step < options.steps && masked.length > 0; step++) {
    throwIfCancelled(options.signal);
    const current = rows();
    const full = isFullStep(options.plan, step);
    let ids: BigInt64Array;
    let pos = new BigInt64Array(0);
    let S = 0;
    if (full) {
      ids = new BigInt64Array(N * L);
      current.forEach((r, n) => {
        for (let p = 0; p < r.length; p++) ids[n * L + p] = BigInt(r[p]!);
      });
      tokensRun += lengths.reduce((s, v) => s + v, 0);
    } else {
      // Rows with fewer selected positions repeat their first one: recomputing a row twice writes the same values.
      S = Math.max(1, ...selected.map((s) => s.length));
      ids = new BigInt64Array(N * S);
      pos = new BigInt64Array(N * S);
      selected.forEach((sel, n) => {
        for (let i = 0; i < S; i++) {
          const p = sel[i] ?? sel[0] ?? 0;
          pos[n * S + i] = BigInt(p);
          ids[n * S + i] = BigInt(current[n]![p]!);
        }
        tokensRun += sel.length;
      });
    }
    const out = await runStep({
      full,
      ids,
      pos,
      S,
      positions: [masked, ...seq.branches.map((b) => toBranchPositions(masked, b))],
      noise:
        options.temperature > 0
          ? samplingNoise(options.seed, step, masked.length, 1)
          : new Float32Array(masked.length),
      maxLogit: needsSelectionAfter(options.plan, step),
    });
    forwardMs += out.forwardMs;
    checkProbabilities('probs', out.probs);
    const stillMasked = applyImageStep(
      x,
      masked,
      out.codes,
      out.probs,
      {
        step,
        totalSteps: options.steps,
        initialMasked,
        temperature: options.temperature,
        seed: options.seed,
      },
      layout,
    ).masked;

    if (out.maxLogit) {
      const maxLogit = out.maxLogit;
      selected = lengths.map((len, n) => {
        const pick = selectRecompute(maxLogit.subarray(n * L, n * L + len), options.plan.cacheRatio);
        const picked: number[] = [];
        for (let p = 0; p < len; p++) if (pick[p]) picked.push(p);
        return Int32Array.from(picked);
      });
    }
    stepsRun = step + 1;
    const event: ProgressEvent = { step: stepsRun, total: plannedSteps };
    const sampledCells = masked;
    const preview = await pacer.maybe(stillMasked.length, () =>
      previewCodes(seq, x, sampledCells, out.best, layout),
    );
    if (preview) event.preview = preview;
    masked = stillMasked;
    options.onProgress?.(event);
  }
  return {
    codes: readImageCodes(seq, x, layout),
    forwardMs,
    stepsRun,
    tokensRun,
    tokensFull: stepsRun * lengths.reduce((s, v) => s + v, 0),
  };
}
