// Confidence re-masking of DiMOO's image loop (dimoo-inference.md §4.1): after every masked cell got a sampled
// code, the `k` least confident (by log-probability plus τ-scaled Gumbel noise) go back to MASK. Upstream computes
// the confidence on bf16 tensors, and so does this: bf16 values tie often, and tied cells at the cutoff stay
// committed, so a step commits a few more cells than the schedule says; the noise stops near 5.53.
// @see Alpha-VLLM/Lumina-DiMOO utils/generation_utils.py: gumbel_noise, mask_by_random_topk
import { gumbelBf16, roundBf16, torchUniformBf16 } from './bf16.js';
import { NoiseStream, randomWords } from './rng.js';

/** Gumbel(0, 1) from a uniform, with upstream's guards: `−log(−log(u + 1e−20) + 1e−20)`, in float64. */
export function gumbel(u: number): number {
  return -Math.log(-Math.log(u + 1e-20) + 1e-20);
}

/** The re-masking Gumbel values at `step`, one per cell masked at its start: upstream's bf16 noise (bf16.ts). */
export function remaskGumbels(seed: number, step: number, count: number): Float64Array {
  const words = randomWords(seed, step, NoiseStream.remask, count);
  return Float64Array.from(words, (w) => gumbelBf16(torchUniformBf16(w)));
}

const EPS = roundBf16(1e-20);

/**
 * `log(max(p, 1e−20)) + τ·g` for each cell (higher = more confident), each op rounded to bf16 as upstream's
 * tensors are; `g` from remaskGumbels. At τ = 0 the noise is not used and may be absent.
 */
export function remaskConfidence(
  probs: ArrayLike<number>,
  temperature: number,
  gumbels: ArrayLike<number> | null,
): Float64Array {
  const conf = new Float64Array(probs.length);
  if (temperature !== 0 && (!gumbels || gumbels.length < probs.length)) {
    throw new RangeError(`re-masking at temperature ${temperature} needs ${probs.length} Gumbel values`);
  }
  const tau = Math.fround(temperature);
  for (let i = 0; i < conf.length; i++) {
    const logp = roundBf16(Math.log(Math.max(roundBf16(probs[i]!), EPS)));
    conf[i] = temperature === 0 ? logp : roundBf16(logp + roundBf16(tau * gumbels![i]!));
  }
  return conf;
}

/**
 * Cells to re-mask: those strictly below the k-th smallest confidence (0-based), `k` clamped to
 * `[0, n − 1]`. That is exactly `k` cells when confidences are distinct; tied cells at the cutoff stay
 * committed, as upstream's `confidence < cut_off` does. `k = 0` re-masks nothing.
 */
export function selectRemask(confidence: Float64Array, k: number): Uint8Array {
  const n = confidence.length;
  const flags = new Uint8Array(n);
  if (n === 0) return flags;
  const kk = Math.min(Math.max(Math.floor(k), 0), n - 1);
  const cutoff = Float64Array.from(confidence).sort()[kk]!;
  for (let i = 0; i < n; i++) flags[i] = confidence[i]! < cutoff ? 1 : 0;
  return flags;
}

/**
 * One re-masking decision: which of the cells masked at the start of the step (in the order `probs` lists
 * them) return to MASK, given each cell's sampled-code probability and `k` from the schedule.
 */
export function remaskLeastConfident(
  probs: ArrayLike<number>,
  k: number,
  temperature: number,
  gumbels: ArrayLike<number> | null,
): Uint8Array {
  return selectRemask(remaskConfidence(probs, temperature, gumbels), k);
}
