// Categorical helpers the engine's host code shares: softmax(row)[i] (the understanding loop's confidence and the
// image head's host reference) and the shape of a sampled cell set. The exact softmax(logits/τ) draw the image graph
// made before it sampled as upstream's bf16 torch code does lives on as a test reference
// (test/reference/exact-sampling.ts).
// @see Alpha-VLLM/Lumina-DiMOO generators/*: probs.gather

/** `softmax(row)[index]` in float64 (upstream's confidence uses the guided logits without temperature). */
export function softmaxAt(row: ArrayLike<number>, from: number, to: number, index: number): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = from; i < to; i++) max = Math.max(max, row[i]!);
  let sum = 0;
  for (let i = from; i < to; i++) sum += Math.exp(row[i]! - max);
  return Math.exp(row[from + index]! - max) / sum;
}

export interface SampledCells {
  /** Sampled VQ index per cell. */
  codes: Int32Array;
  /** `softmax(logits)[code]` per cell. */
  probs: Float32Array;
}
