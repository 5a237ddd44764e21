// Weight-only quantization (engine/graphs/quantize.ts) against an independent reading of MatMulNBits, and the
// operator as onnxruntime's CPU provider runs it against the naive dequantize-then-multiply in float64.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { quantizeMatrix } from '../../../engine/graphs/quantize.js';
import { encodeModel, GraphBuilder } from '../../../engine/onnx/graph.js';
import { mulberry32 } from '../../../engine/testing/mulberry32.js';
import { naiveDequantize, naiveMatMulTransposed } from '../../reference/naive-quant-matmul.js';
import { relError } from '../../reference/rel-error.js';

function randomMatrix(count: number, seed: number): Float32Array {
  const next = mulberry32(seed);
  return Float32Array.from({ length: count }, () => (next() - 0.5) * 2);
}

async function runMatMulNBits(
  a: Float32Array,
  m: number,
  q: ReturnType<typeof quantizeMatrix>,
  accuracyLevel: number,
): Promise<Float32Array> {
  const g = new GraphBuilder('matmulnbits');
  const x = g.input('a', 'float32', [m, q.k]);
  const blocks = Math.ceil(q.k / q.blockSize);
  const b = g.initializer('b', {
    dtype: 'uint8',
    dims: [q.n, blocks, (q.blockSize * q.bits) / 8],
    data: q.packed,
  });
  const scales = g.initializer('scales', {
    dtype: 'float32',
    dims: [q.n * blocks],
    data: new Uint8Array(q.scales.buffer),
  });
  const y = g.op(
    'MatMulNBits',
    [x, b, scales],
    { K: q.k, N: q.n, bits: q.bits, block_size: q.blockSize, accuracy_level: accuracyLevel },
    { domain: 'com.microsoft' },
  );
  g.output(y, 'y', 'float32', [m, q.n]);
  const session = await ort.InferenceSession.create(
    encodeModel(g, { opset: 21, domains: { 'com.microsoft': 1 } }),
  );
  const out = await session.run({ a: new ort.Tensor('float32', a, [m, q.k]) });
  await session.release();
  return out.y!.data as Float32Array;
}

describe('block quantization', () => {
  for (const bits of [4, 8] as const) {
    it(`int${bits}: every weight within half a step of its block's scale, codes in the layout MatMulNBits reads`, () => {
      const n = 6;
      const k = 80; // not a multiple of 32: the last block is padded
      const w = randomMatrix(n * k, bits);
      const q = quantizeMatrix(w, n, k, bits, 32);
      expect(q.packed.length).toBe(n * 3 * ((32 * bits) / 8));
      const back = naiveDequantize(q.packed, q.scales, n, k, bits, 32);
      for (let row = 0; row < n; row++)
        for (let col = 0; col < k; col++) {
          const scale = q.scales[row * 3 + Math.floor(col / 32)]!;
          expect(Math.abs(back[row * k + col]! - w[row * k + col]!)).toBeLessThanOrEqual(scale / 2 + 1e-7);
        }
      // Symmetric: each block's largest weight comes back exactly (to float32 rounding).
      const top = w.slice(0, 32).reduce((best, v) => (Math.abs(v) > Math.abs(best) ? v : best), 0);
      const at = w.indexOf(top);
      expect(back[at]!).toBeCloseTo(top, 5);
    });
  }

  it('an all-zero block has scale 0 and dequantizes to zeros', () => {
    const q = quantizeMatrix(new Float32Array(64), 2, 32, 4, 32);
    expect([...q.scales]).toEqual([0, 0]);
    expect([...naiveDequantize(q.packed, q.scales, 2, 32, 4, 32)].every((v) => v === 0)).toBe(true);
  });
});

describe('MatMulNBits on the CPU provider', () => {
  const m = 5;
  const n = 24;
  const k = 96;
  const a = randomMatrix(m * k, 99);
  const w = randomMatrix(n * k, 7);
  for (const bits of [4, 8] as const) {
    it(`int${bits}: matches dequantize-then-multiply (exact path 1e-5, int8-compute path 2e-2)`, async () => {
      const q = quantizeMatrix(w, n, k, bits, 32);
      const expected = naiveMatMulTransposed(a, m, naiveDequantize(q.packed, q.scales, n, k, bits, 32), n, k);
      expect(relError(await runMatMulNBits(a, m, q, 0), expected)).toBeLessThan(1e-5);
      expect(relError(await runMatMulNBits(a, m, q, 4), expected)).toBeLessThan(2e-2);
      // And against the unquantized weights: int4 loses more than int8.
      const exact = naiveMatMulTransposed(a, m, Float64Array.from(w), n, k);
      expect(relError(await runMatMulNBits(a, m, q, 0), exact)).toBeLessThan(bits === 8 ? 0.01 : 0.15);
    });
  }
});
