// Text-to-image with ML-Cache (dimoo-inference.md §4.4), the per-step path: full steps run the whole sequence
// of every branch and refill the caches (pre-RoPE K/V per layer, image-slice logits at every position); cached
// steps run only the positions picked after the previous step (max image logit ≤ the (1 − cache_ratio)
// quantile over the branch's whole sequence), writing their K/V and logits into the caches. Guidance and
// sampling then run on the host over the cached logits, drawing from the same noise as the image-step graph.
import type { ProgressEvent } from '../api.js';
import type { MlCacheBackend } from '../runtime/ml-cache-session.js';
import { applyImageStep } from '../sampling/image-step.js';
import type { TokenLayout } from '../sampling/layout-type.js';
import { isFullStep, type MlCachePlan, needsSelectionAfter, selectRecompute } from '../sampling/ml-cache.js';
import { samplingNoise } from '../sampling/rng.js';
import {
  branchIds,
  type ImageGenerationSequence,
  maskedCellPositions,
  readImageCodes,
  toBranchPositions,
} from '../sequence.js';
import type { ImageLoopResult } from './image-loop.js';
import { throwIfCancelled } from './image-loop.js';

export interface CachedLoopOptions {
  steps: number;
  temperature: number;
  seed: number;
  /** [cond, uncond] weights, e.g. [1+s, −s]. */
  weights: number[];
  plan: MlCachePlan;
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
}

export interface CachedLoopResult extends ImageLoopResult {
  /** Forward-token units actually run (positions × rows), and what the same steps cost without the cache. */
  tokensRun: number;
  tokensFull: number;
}

/**
 * The image-step graph's sampling, on the host: inverse CDF of softmax(logits/τ) against `u · total`, argmax at
 * τ = 0; the confidence is softmax(logits)[code] without temperature.
 */
export function sampleImageCells(
  logits: Float32Array,
  K: number,
  temperature: number,
  noise: Float32Array,
): { codes: Int32Array; probs: Float32Array; best: Int32Array } {
  const M = logits.length / K;
  const codes = new Int32Array(M);
  const probs = new Float32Array(M);
  const best = new Int32Array(M);
  const tempered = new Float64Array(K);
  for (let i = 0; i < M; i++) {
    const row = logits.subarray(i * K, (i + 1) * K);
    let argmax = 0;
    for (let c = 1; c < K; c++) if (row[c]! > row[argmax]!) argmax = c;
    const max = row[argmax]!;
    let sum = 0;
    for (let c = 0; c < K; c++) sum += Math.exp(row[c]! - max);
    let code = argmax;
    if (temperature > 0) {
      let total = 0;
      for (let c = 0; c < K; c++) {
        tempered[c] = Math.exp((row[c]! - max) / temperature);
        total += tempered[c]!;
      }
      const target = noise[i]! * total;
      let acc = 0;
      code = K - 1;
      for (let c = 0; c < K; c++) {
        acc += tempered[c]!;
        if (acc > target) {
          code = c;
          break;
        }
      }
    }
    codes[i] = code;
    best[i] = argmax;
    probs[i] = Math.exp(row[code]! - max) / sum;
  }
  return { codes, probs, best };
}

export async function runCachedImageLoop(
  seq: ImageGenerationSequence,
  layout: TokenLayout,
  backend: MlCacheBackend,
  options: CachedLoopOptions,
): Promise<CachedLoopResult> {
  const K = layout.codebookSize;
  const x = Int32Array.from(seq.ids);
  const rows = () => [x, ...seq.branches.map((b) => branchIds(seq, b, x))];
  const lengths = rows().map((r) => r.length);
  const N = lengths.length;
  const L = Math.max(...lengths);
  const mask = new BigInt64Array(N * L);
  for (const [r, len] of lengths.entries()) mask.fill(1n, r * L, r * L + len);
  const kv = backend.kvWidth;
  let logitCache: Float32Array = new Float32Array(0);
  let kCache: Float32Array[] = [];
  let vCache: Float32Array[] = [];
  let selected: Int32Array[] = [];
  let masked = maskedCellPositions(seq, x, layout);
  const initialMasked = masked.length;
  let forwardMs = 0;
  let tokensRun = 0;
  let stepsRun = 0;

  for (let step = 0; step < options.steps && masked.length > 0; step++) {
    throwIfCancelled(options.signal);
    const current = rows();
    if (isFullStep(options.plan, step)) {
      const ids = new BigInt64Array(N * L);
      current.forEach((r, n) => {
        for (let p = 0; p < r.length; p++) ids[n * L + p] = BigInt(r[p]!);
      });
      const out = await backend.full(ids, mask, N, L);
      forwardMs += out.forwardMs;
      tokensRun += lengths.reduce((s, v) => s + v, 0);
      logitCache = out.logits;
      kCache = out.k;
      vCache = out.v;
    } else {
      // Rows with fewer selected positions repeat their first one: recomputing a row twice writes the same values.
      const S = Math.max(1, ...selected.map((s) => s.length));
      const ids = new BigInt64Array(N * S);
      const pos = new BigInt64Array(N * S);
      selected.forEach((sel, n) => {
        for (let i = 0; i < S; i++) {
          const p = sel[i] ?? sel[0] ?? 0;
          pos[n * S + i] = BigInt(p);
          ids[n * S + i] = BigInt(current[n]![p]!);
        }
        tokensRun += sel.length;
      });
      const out = await backend.cached(ids, pos, mask, { k: kCache, v: vCache }, N, S, L);
      forwardMs += out.forwardMs;
      for (let n = 0; n < N; n++) {
        for (let i = 0; i < S; i++) {
          const p = Number(pos[n * S + i]);
          logitCache.set(out.logits.subarray((n * S + i) * K, (n * S + i + 1) * K), (n * L + p) * K);
          for (let layer = 0; layer < backend.layers; layer++) {
            const from = (n * S + i) * kv;
            kCache[layer]!.set(out.k[layer]!.subarray(from, from + kv), (n * L + p) * kv);
            vCache[layer]!.set(out.v[layer]!.subarray(from, from + kv), (n * L + p) * kv);
          }
        }
      }
    }

    // Guided logits of the masked cells, from the (partly stale) caches.
    const positions = [masked, ...seq.branches.map((b) => toBranchPositions(masked, b))];
    const guided = new Float32Array(masked.length * K);
    for (let i = 0; i < masked.length; i++) {
      for (let n = 0; n < N; n++) {
        const w = options.weights[n] ?? 0;
        if (w === 0) continue;
        const from = (n * L + positions[n]![i]!) * K;
        for (let c = 0; c < K; c++) guided[i * K + c] = guided[i * K + c]! + w * logitCache[from + c]!;
      }
    }
    const noise =
      options.temperature > 0
        ? samplingNoise(options.seed, step, masked.length, 1)
        : new Float32Array(masked.length);
    const sampled = sampleImageCells(guided, K, options.temperature, noise);
    masked = applyImageStep(
      x,
      masked,
      sampled.codes,
      sampled.probs,
      {
        step,
        totalSteps: options.steps,
        initialMasked,
        temperature: options.temperature,
        seed: options.seed,
      },
      layout,
    ).masked;

    if (needsSelectionAfter(options.plan, step)) {
      selected = lengths.map((len, n) => {
        const mx = new Float32Array(len);
        for (let p = 0; p < len; p++) {
          const from = (n * L + p) * K;
          let m = logitCache[from]!;
          for (let c = 1; c < K; c++) m = Math.max(m, logitCache[from + c]!);
          mx[p] = m;
        }
        const pick = selectRecompute(mx, options.plan.cacheRatio);
        const out: number[] = [];
        for (let p = 0; p < len; p++) if (pick[p]) out.push(p);
        return Int32Array.from(out);
      });
    }
    stepsRun = step + 1;
    options.onProgress?.({ step: stepsRun, total: options.steps });
  }
  return {
    codes: readImageCodes(seq, x, layout),
    forwardMs,
    stepsRun,
    tokensRun,
    tokensFull: stepsRun * lengths.reduce((s, v) => s + v, 0),
  };
}
