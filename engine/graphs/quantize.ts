// Weight-only block quantization in the layout of onnxruntime's com.microsoft MatMulNBits: a linear weight W
// [N, K] (nn.Linear's [out, in]) is cut along K into blocks of `blockSize`; each block keeps one scale and its
// values as unsigned `bits`-bit codes around the default zero point 2^(bits−1), so
//   W[n, k] ≈ (code[n, k] − 2^(bits−1)) · scale[n, ⌊k / blockSize⌋]
// with scale = max|W over the block| / (2^(bits−1) − 1) (symmetric: the largest weight is exact). 4-bit codes are
// packed two to a byte, the even k in the low nibble. B is [N, ⌈K / blockSize⌉, blockSize · bits / 8]; K not a
// multiple of blockSize pads the last block with zero codes-at-zero-point.

export type QuantBits = 4 | 8;

/** The engine's MatMulNBits block size along K: 32 keeps int4's error small at 0.5 extra bytes per 32 weights. */
export const QUANT_BLOCK = 32;

export interface QuantizedMatrix {
  bits: QuantBits;
  blockSize: number;
  n: number;
  k: number;
  /** [N, blocks, blockSize·bits/8] codes. */
  packed: Uint8Array;
  /** [N · blocks] scales. */
  scales: Float32Array;
}

export function blocksPerRow(k: number, blockSize: number): number {
  return Math.ceil(k / blockSize);
}

/** Quantizes `w` ([n, k] row-major fp32). One pass over the weights, no allocation per block. */
export function quantizeMatrix(
  w: Float32Array,
  n: number,
  k: number,
  bits: QuantBits,
  blockSize: number,
): QuantizedMatrix {
  if (w.length !== n * k) throw new Error(`quantizeMatrix: ${w.length} values for [${n}, ${k}]`);
  if (blockSize < 16 || (blockSize & (blockSize - 1)) !== 0)
    throw new Error(`quantizeMatrix: block size ${blockSize} must be a power of two ≥ 16`);
  const blocks = blocksPerRow(k, blockSize);
  const blob = (blockSize * bits) / 8;
  const packed = new Uint8Array(n * blocks * blob);
  const scales = new Float32Array(n * blocks);
  const zero = 1 << (bits - 1);
  const top = zero - 1;
  if (bits === 4) packed.fill(zero | (zero << 4));
  else packed.fill(zero);
  for (let row = 0; row < n; row++) {
    const rowStart = row * k;
    for (let b = 0; b < blocks; b++) {
      const from = rowStart + b * blockSize;
      const to = Math.min(from + blockSize, rowStart + k);
      let max = 0;
      for (let i = from; i < to; i++) {
        const a = Math.abs(w[i] as number);
        if (a > max) max = a;
      }
      const scale = max / top;
      scales[row * blocks + b] = scale;
      if (scale === 0) continue;
      const inv = 1 / scale;
      const out = (row * blocks + b) * blob;
      // |w · inv| ≤ 2^(bits−1) − 1, so w · inv + zero lies in [1, 2^bits − 1]: rounding half up by truncation
      // (the value is positive) needs no clamp.
      const shift = zero + 0.5;
      if (bits === 8) {
        for (let i = from; i < to; i++) packed[out + i - from] = ((w[i] as number) * inv + shift) | 0;
      } else {
        let i = from;
        for (let at = out; i + 1 < to; i += 2, at++) {
          const lo = ((w[i] as number) * inv + shift) | 0;
          const hi = ((w[i + 1] as number) * inv + shift) | 0;
          packed[at] = lo | (hi << 4);
        }
        if (i < to) {
          const at = out + ((i - from) >> 1);
          packed[at] = ((packed[at] as number) & 0xf0) | (((w[i] as number) * inv + shift) | 0);
        }
      }
    }
  }
  return { bits, blockSize, n, k, packed, scales };
}
