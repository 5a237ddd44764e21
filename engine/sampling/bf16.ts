// bfloat16 as torch computes with it on CUDA, for sampling the way upstream does: upstream's logits are bf16, and
// every elementwise op on them computes in float32 and rounds its result to bf16 (round to nearest, ties to even).
// Rounding matters to the draw: bf16 keeps 8 significant bits, so Gumbel-max scores tie often (argmax takes the
// first), and a bf16 uniform below 1 is at most 1 − 2⁻⁸, which caps the Gumbel noise near 5.53.
// @see Alpha-VLLM/Lumina-DiMOO utils/generation_utils.py: gumbel_noise, gumbel_max_sample
// @see pytorch aten/src/ATen/native/cuda/DistributionTemplates.h: uniform_kernel (curand_uniform4, bounds reversed)

const f32 = new Float32Array(1);
const bits = new Uint32Array(f32.buffer);

/** `x` rounded to float32, then to bf16 (ties to even), as a number; ±∞ and NaN pass through. */
export function roundBf16(x: number): number {
  f32[0] = x;
  const b = bits[0]!;
  if ((b & 0x7f800000) === 0x7f800000) return f32[0]!;
  bits[0] = ((b + 0x7fff + ((b >>> 16) & 1)) & 0xffff0000) >>> 0;
  return f32[0]!;
}

/**
 * torch.rand in bf16 on CUDA from one 32-bit curand word `w`: curand's float `w·2⁻³² + 2⁻³³` in (0, 1], rounded to
 * bf16, and a 1 (any float from 1 − 2⁻⁹ up rounds there) turned into 0 to make the range [0, 1).
 */
export function torchUniformBf16(w: number): number {
  const v = roundBf16(Math.fround(Math.fround(w) * 2 ** -32 + 2 ** -33));
  return v === 1 ? 0 : v;
}

const EPS = Math.fround(1e-20);

/** upstream's `−log(−log(u + 1e−20) + 1e−20)` with each op's result rounded to bf16. */
export function gumbelBf16(u: number): number {
  const inner = roundBf16(Math.log(roundBf16(u + EPS)));
  return -roundBf16(Math.log(roundBf16(-inner + EPS)));
}
