import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { bytesOf, encodeModel, GraphBuilder } from '../../../engine/onnx/graph.js';

describe('ONNX graph builder', () => {
  it('builds a model that onnxruntime runs: (x @ W + 1) reshaped, with negative int64 attributes', async () => {
    const g = new GraphBuilder('t');
    const x = g.input('x', 'float32', ['n', 2]);
    const w = g.initializer('W', {
      dtype: 'float32',
      dims: [2, 3],
      data: bytesOf(Float32Array.of(1, 2, 3, 4, 5, 6)),
    });
    const y = g.op('Add', [g.op('MatMul', [x, w]), g.scalar(1)]);
    const z = g.op('Reshape', [y, g.ints([-1])]);
    const s = g.op('ReduceSum', [y, g.ints([-1])], { keepdims: 0 });
    const e = g.op('LeakyRelu', [g.op('Neg', [s])], { alpha: 0.5 });
    g.output(z, 'z', 'float32', ['m']);
    g.output(e, 'e', 'float32', ['n']);
    const session = await ort.InferenceSession.create(encodeModel(g));
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.of(1, 1, 2, 0), [2, 2]) });
    expect(Array.from(out.z?.data as Float32Array)).toEqual([6, 8, 10, 3, 5, 7]);
    expect(Array.from(out.e?.data as Float32Array)).toEqual([-12, -7.5]);
  });

  it('reuses identical constants instead of duplicating them', () => {
    const g = new GraphBuilder('t');
    expect(g.ints([1, 2])).toBe(g.ints([1, 2]));
    expect(g.ints([1, 2])).not.toBe(g.ints([2, 1]));
  });
});
