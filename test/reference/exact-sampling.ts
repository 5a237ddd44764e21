// The exact draw from softmax(logits/τ) in float64 (engine-design §2): guidance, Gumbel-max with one uniform per code
// and inverse-CDF sampling with one uniform per cell. The image graph drew this way before it sampled as upstream's
// bf16 torch code does (engine/sampling/bf16-gumbel.ts): kept as the distribution upstream's would be without bf16, for
// the tests that compare both.
// @see Alpha-VLLM/Lumina-DiMOO utils/generation_utils.py: gumbel_max_sample
import { type SampledCells, softmaxAt } from '../../engine/sampling/categorical.js';
import { gumbel } from '../../engine/sampling/remask.js';

/** Text-to-image guidance `(1+s)·c − s·u` (§4.1; s = 4 is weight 5 in the `u + w(c−u)` convention). */
export function guideTextToImage(cond: Float32Array, uncond: Float32Array, scale: number): Float32Array {
  return cond.map((c, i) => (1 + scale) * c - scale * uncond[i]!);
}

/** Image-to-image dual guidance `c + a·(c − u_text) + b·(c − u_img)` (§4.2). */
export function guideImageToImage(
  cond: Float32Array,
  uncondText: Float32Array,
  uncondImage: Float32Array,
  cfgText: number,
  cfgImage: number,
): Float32Array {
  return cond.map((c, i) => c + cfgText * (c - uncondText[i]!) + cfgImage * (c - uncondImage[i]!));
}

function argmax(
  values: ArrayLike<number>,
  from: number,
  to: number,
  score: (v: number, j: number) => number,
) {
  let best = -1;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (let i = from; i < to; i++) {
    const s = score(values[i]!, i - from);
    if (s > bestScore || best < 0) {
      best = i - from;
      bestScore = s;
    }
  }
  return best;
}

/** Gumbel-max: `argmax(l/τ + Gumbel(u))` over one row with one uniform per entry; τ = 0 is `argmax(l)`. */
export function sampleGumbelMax(
  row: ArrayLike<number>,
  from: number,
  to: number,
  temperature: number,
  uniforms: ArrayLike<number> | null,
  uniformsFrom = 0,
): number {
  if (temperature === 0) return argmax(row, from, to, (v) => v);
  return argmax(row, from, to, (v, j) => v / temperature + gumbel(uniforms![uniformsFrom + j]!));
}

/** Inverse-CDF sampling of `softmax(l/τ)` with one uniform: the first entry whose cumulative mass exceeds u. */
export function sampleInverseCdf(
  row: ArrayLike<number>,
  from: number,
  to: number,
  temperature: number,
  u: number,
) {
  if (temperature === 0) return argmax(row, from, to, (v) => v);
  let max = Number.NEGATIVE_INFINITY;
  for (let i = from; i < to; i++) max = Math.max(max, row[i]!);
  let sum = 0;
  for (let i = from; i < to; i++) sum += Math.exp((row[i]! - max) / temperature);
  const target = u * sum;
  let acc = 0;
  let last = from;
  for (let i = from; i < to; i++) {
    const w = Math.exp((row[i]! - max) / temperature);
    if (w > 0) last = i;
    acc += w;
    if (acc > target) return i - from;
  }
  return last - from;
}

/**
 * Samples every masked cell from guided logits `[M, K]` (row-major). `noise` is `samplingNoise(…, M, perCell)`:
 * `perCell = K` for Gumbel-max, `perCell = 1` for inverse CDF; unused at temperature 0.
 */
export function sampleCells(
  logits: Float32Array,
  codebookSize: number,
  temperature: number,
  noise: Float32Array | null,
  perCell: number,
): SampledCells {
  if (perCell !== 1 && perCell !== codebookSize) {
    throw new RangeError(`perCell must be 1 (inverse CDF) or ${codebookSize} (Gumbel-max), got ${perCell}`);
  }
  const m = logits.length / codebookSize;
  if (!Number.isInteger(m))
    throw new RangeError(`logits length ${logits.length} is not a multiple of ${codebookSize}`);
  if (temperature !== 0 && (!noise || noise.length < m * perCell)) {
    throw new RangeError(`sampling ${m} cells needs ${m * perCell} uniforms`);
  }
  const codes = new Int32Array(m);
  const probs = new Float32Array(m);
  for (let i = 0; i < m; i++) {
    const from = i * codebookSize;
    const to = from + codebookSize;
    const code =
      perCell === 1 && temperature !== 0
        ? sampleInverseCdf(logits, from, to, temperature, noise![i]!)
        : sampleGumbelMax(logits, from, to, temperature, noise, i * perCell);
    codes[i] = code;
    probs[i] = softmaxAt(logits, from, to, code);
  }
  return { codes, probs };
}
