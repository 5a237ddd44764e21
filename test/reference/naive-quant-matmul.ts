// MatMulNBits written out from onnxruntime's ContribOperators.md, in float64 and one value at a time:
// W[n, k] = (code(n, k) − zero) · scale[n · blocks + ⌊k / blockSize⌋], zero = 2^(bits−1), 4-bit codes two per byte
// (even k in the low nibble); Y[m, n] = Σ_k A[m, k] · W[n, k].

export function naiveDequantize(
  packed: Uint8Array,
  scales: Float32Array,
  n: number,
  k: number,
  bits: 4 | 8,
  blockSize: number,
): Float64Array {
  const blocks = Math.ceil(k / blockSize);
  const blob = (blockSize * bits) / 8;
  const zero = 2 ** (bits - 1);
  const w = new Float64Array(n * k);
  for (let row = 0; row < n; row++) {
    for (let col = 0; col < k; col++) {
      const block = Math.floor(col / blockSize);
      const j = col % blockSize;
      const base = (row * blocks + block) * blob;
      const code =
        bits === 8
          ? packed[base + j]!
          : j % 2 === 0
            ? packed[base + j / 2]! & 0x0f
            : packed[base + (j - 1) / 2]! >> 4;
      w[row * k + col] = (code - zero) * scales[row * blocks + block]!;
    }
  }
  return w;
}

export function naiveMatMulTransposed(
  a: Float32Array,
  m: number,
  w: Float64Array,
  n: number,
  k: number,
): Float64Array {
  const y = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += a[i * k + t]! * w[j * k + t]!;
      y[i * n + j] = s;
    }
  return y;
}
