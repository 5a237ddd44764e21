// Confidence re-masking of DiMOO's image loop (dimoo-inference.md §4.1): after every masked cell got a sampled
// code, the `k` least confident (by log-probability plus τ-scaled Gumbel noise) go back to MASK.
// @see Alpha-VLLM/Lumina-DiMOO utils/generation_utils.py: gumbel_noise, mask_by_random_topk

/** Gumbel(0, 1) from a uniform, with upstream's guards: `−log(−log(u + 1e−20) + 1e−20)`. */
export function gumbel(u: number): number {
  return -Math.log(-Math.log(u + 1e-20) + 1e-20);
}

/**
 * `log(max(p, 1e−20)) + τ·Gumbel(u)` for each cell (higher = more confident). At τ = 0 the noise is not used and
 * may be absent. Upstream computes this in the logits' dtype (bf16): a bf16 uniform below 1 is at most 1 − 2⁻⁸, so
 * its Gumbel noise stops near 5.53, and tied confidences at the cutoff now and then leave one more cell committed.
 * Float64 here, the exact Gumbel(0, 1) of the algorithm; no seed could reproduce upstream's draws anyway.
 */
export function remaskConfidence(
  probs: ArrayLike<number>,
  temperature: number,
  uniforms: ArrayLike<number> | null,
): Float64Array {
  const conf = new Float64Array(probs.length);
  if (temperature !== 0 && (!uniforms || uniforms.length < probs.length)) {
    throw new RangeError(`re-masking at temperature ${temperature} needs ${probs.length} uniforms`);
  }
  for (let i = 0; i < conf.length; i++) {
    const logp = Math.log(Math.max(probs[i]!, 1e-20));
    conf[i] = temperature === 0 ? logp : logp + temperature * gumbel(uniforms![i]!);
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
  uniforms: ArrayLike<number> | null,
): Uint8Array {
  return selectRemask(remaskConfidence(probs, temperature, uniforms), k);
}
