// upstream's image-code sampling as torch runs it on CUDA with bf16 logits, op for op, written apart from the
// engine's code so the two can be compared: every op computes in float32 and stores bf16 (round to nearest, ties
// to even); torch.rand in bf16 is curand's float `w·2⁻³² + 2⁻³³` rounded to bf16 with 1 reversed to 0; argmax
// returns the first maximal index.
// @see Alpha-VLLM/Lumina-DiMOO utils/generation_utils.py: gumbel_noise, gumbel_max_sample
// @see Alpha-VLLM/Lumina-DiMOO generators/image_generation_generator.py: cfg, softmax, probs.gather
// @see Alpha-VLLM/Lumina-DiMOO generators/image_to_image_generator.py: dual cfg (cfg_scale, cfg_img)
// @see pytorch aten/src/ATen/native/cuda/DistributionTemplates.h: uniform_kernel, UniformFunctor; BinaryDivTrueKernel.cu

const view = new DataView(new ArrayBuffer(4));

/** float32 → bf16 by its bit pattern: drop the low 16 bits, rounding half to the even upper half. */
export function toBf16(x: number): number {
  view.setFloat32(0, x);
  const hi = view.getUint16(0);
  const lo = view.getUint16(2);
  const exponentAllOnes = (hi & 0x7f80) === 0x7f80;
  const up = !exponentAllOnes && (lo > 0x8000 || (lo === 0x8000 && (hi & 1) === 1));
  view.setUint16(0, up ? hi + 1 : hi);
  view.setUint16(2, 0);
  return view.getFloat32(0);
}

/** A bf16 tensor op: float32 arithmetic on float32 operands, the result stored as bf16. */
const op = (f: () => number) => toBf16(Math.fround(f()));

/**
 * torch.rand(dtype=bf16) on CUDA from curand's 32-bit words. The order is pytorch's UniformFunctor since
 * pytorch#96947: the float is rounded to bf16 first and a value that rounded to 1 becomes 0 (so curand's floats in
 * [1 − 2⁻⁹, 1] give 0, and 1 is never drawn).
 */
export function torchRandBf16(words: ArrayLike<number>): Float32Array {
  return Float32Array.from(words, (w) => {
    const v = toBf16(curandUniform(w));
    return v === 1 ? 0 : v;
  });
}

/** curand_uniform's float from one 32-bit word: `w·2⁻³² + 2⁻³³` in float32, in (0, 1]; monotone in `w`. */
export function curandUniform(w: number): number {
  const two32 = 4294967296;
  return Math.fround(Math.fround(w) / two32 + 1 / (2 * two32));
}

/** gumbel_noise: `-log(-log(u + 1e-20) + 1e-20)` on a bf16 tensor. */
export function gumbelNoise(u: Float32Array): Float32Array {
  const eps = Math.fround(1e-20);
  return u.map((x) => {
    const a = op(() => x + eps);
    const b = op(() => Math.log(a));
    const c = op(() => -b + eps);
    return -op(() => Math.log(c));
  });
}

/** `(1 + s) * cond - s * uncond` on bf16 tensors. */
export function cfgUpstream(cond: Float32Array, uncond: Float32Array, s: number): Float32Array {
  const a = Math.fround(1 + s);
  const b = Math.fround(s);
  return cond.map((c, i) => {
    const left = op(() => a * toBf16(c));
    const right = op(() => b * toBf16(uncond[i]!));
    return op(() => left - right);
  });
}

/**
 * image_to_image_generator's `cond + cfg_scale * (cond - uncond_text) + cfg_img * (cond - uncond_img)` on bf16
 * tensors, as Python builds it: `t3 = cond + cfg_scale * (cond - uncond_text)`, then `t3 + cfg_img * (cond -
 * uncond_img)`; a Python float times a bf16 tensor multiplies in float32 by the float32 scalar, stored as bf16.
 */
export function dualCfgUpstream(
  cond: Float32Array,
  uncondText: Float32Array,
  uncondImg: Float32Array,
  cfgScale: number,
  cfgImg: number,
): Float32Array {
  const a = Math.fround(cfgScale);
  const b = Math.fround(cfgImg);
  return cond.map((x, i) => {
    const c = toBf16(x);
    const t1 = op(() => c - toBf16(uncondText[i]!));
    const t2 = op(() => a * t1);
    const t3 = op(() => c + t2);
    const t4 = op(() => c - toBf16(uncondImg[i]!));
    const t5 = op(() => b * t4);
    return op(() => t3 + t5);
  });
}

/** gumbel_max_sample over one bf16 row with curand words for its noise: the first index of the maximal score. */
export function gumbelMaxSampleUpstream(logits: Float32Array, tau: number, words: ArrayLike<number>): number {
  const row = tau === 0 ? logits : gumbelMaxScores(logits, tau, gumbelNoise(torchRandBf16(words)));
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

/** gumbel_max_sample's `logits / tau + g` on bf16 tensors, the scores its argmax reads (τ ≠ 0). */
export function gumbelMaxScores(logits: Float32Array, tau: number, g: ArrayLike<number>): Float32Array {
  const inv = Math.fround(1 / Math.fround(tau)); // a CPU-scalar divisor becomes a multiplication
  return logits.map((l, i) => op(() => op(() => l * inv) + g[i]!));
}

/** mask_by_random_topk's confidence: `log(probs.clamp_min(1e-20)) + temperature * g` on bf16 tensors. */
export function maskByRandomTopkConfidence(
  probs: Float32Array,
  temperature: number,
  g: ArrayLike<number>,
): Float32Array {
  const floor = toBf16(Math.fround(1e-20));
  const tau = Math.fround(temperature);
  return probs.map((p, i) => {
    const logp = op(() => Math.log(Math.max(toBf16(p), floor)));
    return op(() => logp + op(() => tau * g[i]!));
  });
}

/**
 * Logits as a bf16 model's might come: `length` Gaussian values of deviation `sigma`, stored bf16, the same for a
 * seed (an LCG and Box–Muller; only the test's data, no part of upstream's code).
 */
export function gaussianBf16(seed: number, length: number, sigma = 1): Float32Array {
  let s = seed;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
  return Float32Array.from({ length }, () =>
    toBf16(sigma * Math.sqrt(-2 * Math.log(rand())) * Math.cos(2 * Math.PI * rand())),
  );
}
