// Host reference of the image graph's sampling (graphs/bf16-sampling.ts, LladaGraph.sampleCells): upstream's
// gumbel_max_sample on bf16 tensors. Guided logits, the 1/τ scaling, the Gumbel noise and the noisy scores are
// each rounded to bf16, and the first index of the maximum wins. The draw is not softmax(logits/τ): the bounded,
// coarse noise and the ties favour the top codes (categorical.ts keeps the exact draw for comparison).
// @see Alpha-VLLM/Lumina-DiMOO utils/generation_utils.py: gumbel_max_sample; generators/*: cfg, probs.gather
import { roundBf16 } from './bf16.js';
import type { SampledCells } from './categorical.js';
import { softmaxAt } from './categorical.js';
import { cellKey, codeGumbel } from './code-noise.js';

/**
 * Guidance over branch logits `[G][M·K]` with weights `w`, as upstream computes it on bf16 tensors, each op rounded
 * to bf16 (the graph's guideBf16 in graphs/bf16-sampling.ts): one branch is the logits; two (text-to-image and
 * painting, `[1 + s, −s]`) are `(1 + s)·c − s·u`; three (image-to-image, `[1 + a + b, −a, −b]`) are
 * `c + a·(c − u_text) + b·(c − u_img)`, in Python's order: `(c + a·(c − u_text)) + b·(c − u_img)`.
 */
export function guideBf16(branches: readonly Float32Array[], w: readonly number[]): Float32Array {
  const out = new Float32Array(branches[0]!.length);
  const c = branches[0]!;
  const dual = branches.length === 3;
  for (let i = 0; i < out.length; i++) {
    const ci = roundBf16(c[i]!);
    let acc = dual ? ci : roundBf16(Math.fround(w[0]!) * ci);
    for (let b = 1; b < branches.length; b++) {
      const u = roundBf16(branches[b]![i]!);
      const term = dual
        ? roundBf16(-Math.fround(w[b]!) * roundBf16(ci - u))
        : roundBf16(Math.fround(w[b]!) * u);
      acc = roundBf16(acc + term);
    }
    out[i] = acc;
  }
  return out;
}

function firstArgMax(score: (j: number) => number, K: number): number {
  let best = 0;
  let top = score(0);
  for (let j = 1; j < K; j++) {
    const s = score(j);
    if (s > top) {
      best = j;
      top = s;
    }
  }
  return best;
}

/**
 * Samples every cell of bf16 guided logits `[M, K]` (guideBf16): code = first argmax of
 * `bf16(bf16(l·(1/τ)) + g)` (1/τ in float32: torch multiplies by a scalar divisor's reciprocal) with `g` the cell's bf16 Gumbel noise keyed by its uniform in `noise`
 * (code-noise.ts); τ = 0 is the first argmax of the logits. `probs` = softmax(logits)[code] rounded to bf16.
 */
export function sampleCellsBf16(
  logits: Float32Array,
  K: number,
  temperature: number,
  noise: ArrayLike<number> | null,
): SampledCells {
  const m = logits.length / K;
  if (!Number.isInteger(m)) throw new RangeError(`logits length ${logits.length} is not a multiple of ${K}`);
  if (temperature !== 0 && (!noise || noise.length < m))
    throw new RangeError(`sampling ${m} cells needs ${m} uniforms`);
  const inv = Math.fround(1 / Math.fround(temperature));
  const codes = new Int32Array(m);
  const probs = new Float32Array(m);
  for (let i = 0; i < m; i++) {
    const from = i * K;
    const key = temperature === 0 ? 0 : cellKey(noise![i]!);
    codes[i] =
      temperature === 0
        ? firstArgMax((j) => logits[from + j]!, K)
        : firstArgMax((j) => roundBf16(roundBf16(logits[from + j]! * inv) + codeGumbel(key, j)), K);
    probs[i] = roundBf16(softmaxAt(logits, from, from + K, codes[i]!));
  }
  return { codes, probs };
}
