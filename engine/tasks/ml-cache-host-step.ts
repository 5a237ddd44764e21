// The per-step ML-Cache path (dimoo-inference.md §4.4): the caches live on the host. Full steps return every
// position's image logits and each layer's rotated keys and values; cached steps send the whole K/V caches in and get the
// selected rows' logits and K/V back, which the host writes into its caches. Guidance over the branches, the
// bf16 Gumbel-max sample and the max-logit per position then run here, over the (partly stale) logit cache.

import type { MlCacheBackend } from '../runtime/ml-cache-session.js';
import { roundBf16 } from '../sampling/bf16.js';
import { sampleCellsBf16 } from '../sampling/bf16-gumbel.js';
import type { CachedStep, CachedStepInput, CachedStepOutput } from './ml-cache-step.js';

/**
 * The image-step graph's sampling, on the host (engine/sampling/bf16-gumbel.ts): bf16 Gumbel-max over the bf16
 * guided logits, first argmax at τ = 0; the confidence is bf16(softmax(logits)[code]) without temperature.
 */
export function sampleImageCells(
  guided: Float32Array,
  K: number,
  temperature: number,
  noise: Float32Array,
): { codes: Int32Array; probs: Float32Array; best: Int32Array } {
  const M = guided.length / K;
  const best = new Int32Array(M);
  for (let i = 0; i < M; i++) {
    const from = i * K;
    for (let c = 1; c < K; c++) if (guided[from + c]! > guided[from + best[i]!]!) best[i] = c;
  }
  return { ...sampleCellsBf16(guided, K, temperature, noise), best };
}

/** One loop's per-step stepper over `backend`; it owns that loop's host caches. */
export function hostCachedStep(
  backend: MlCacheBackend,
  shape: { N: number; L: number; K: number; mask: BigInt64Array },
  sampling: { weights: readonly number[]; temperature: number },
): CachedStep {
  const { N, L, K, mask } = shape;
  const kv = backend.kvWidth;
  let logitCache: Float32Array = new Float32Array(0);
  let kCache: Float32Array[] = [];
  let vCache: Float32Array[] = [];
  return async (input: CachedStepInput): Promise<CachedStepOutput> => {
    let forwardMs: number;
    if (input.full) {
      const out = await backend.full(input.ids, mask, N, L);
      forwardMs = out.forwardMs;
      logitCache = out.logits;
      kCache = out.k;
      vCache = out.v;
    } else {
      const { S, pos } = input;
      const out = await backend.cached(input.ids, pos, mask, { k: kCache, v: vCache }, N, S, L);
      forwardMs = out.forwardMs;
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

    // Guided logits of the masked cells, from the (partly stale) caches, rounded as the graph rounds them.
    const M = input.positions[0]!.length;
    const guided = new Float32Array(M * K);
    for (let n = 0; n < N; n++) {
      const w = Math.fround(sampling.weights[n] ?? 0);
      for (let i = 0; i < M; i++) {
        const from = (n * L + input.positions[n]![i]!) * K;
        for (let c = 0; c < K; c++) {
          const term = roundBf16(w * roundBf16(logitCache[from + c]!));
          guided[i * K + c] = Math.fround(guided[i * K + c]! + term);
        }
      }
    }
    for (let i = 0; i < guided.length; i++) guided[i] = roundBf16(guided[i]!);
    const sampled = sampleImageCells(guided, K, sampling.temperature, input.noise);

    let maxLogit: Float32Array | undefined;
    if (input.maxLogit) {
      maxLogit = new Float32Array(N * L);
      for (let r = 0; r < N * L; r++) {
        const from = r * K;
        let m = logitCache[from]!;
        for (let c = 1; c < K; c++) m = Math.max(m, logitCache[from + c]!);
        maxLogit[r] = m;
      }
    }
    return { ...sampled, maxLogit, forwardMs };
  };
}
