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

  it("an If branch's inputs are the outer graph's: shared by both branches, dynamic where their shapes differ", async () => {
    const g = new GraphBuilder('t');
    const a = new GraphBuilder('a', 'a_', g);
    const b = new GraphBuilder('b', 'b_', g);
    a.output(a.op('Neg', [a.input('x', 'float32', ['n', 2])]), 'a_y', 'float32', ['n', 2]);
    b.output(
      b.op('Add', [b.input('x', 'float32', [1, 'm']), b.input('z', 'float32', [])]),
      'b_y',
      'float32',
      [1, 'm'],
    );
    expect(() => b.input('x', 'int64', [1, 2])).toThrow(
      /input x declared as float32\[x_0, x_1\] and as int64/,
    );
    g.node(
      'If',
      [g.input('pick_a', 'bool', [])],
      { then_branch: { graph: a }, else_branch: { graph: b } },
      {
        outputs: ['y'],
      },
    );
    g.output('y', 'y', 'float32', ['r', 'c']);
    const session = await ort.InferenceSession.create(encodeModel(g));
    expect([...session.inputNames].sort()).toEqual(['pick_a', 'x', 'z']);
    const x = new ort.Tensor('float32', Float32Array.of(1, 2, 3, 4), [2, 2]);
    const z = new ort.Tensor('float32', Float32Array.of(10), []);
    const run = async (pickA: boolean, input: ort.Tensor) =>
      Array.from(
        (await session.run({ pick_a: new ort.Tensor('bool', [pickA], []), x: input, z })).y
          ?.data as Float32Array,
      );
    expect(await run(true, x)).toEqual([-1, -2, -3, -4]);
    // 'x' is [n, 2] in one branch and [1, m] in the other: the outer input takes [2, 2] and [1, 3].
    expect(await run(false, new ort.Tensor('float32', Float32Array.of(1, 2, 3), [1, 3]))).toEqual([
      11, 12, 13,
    ]);
  });

  it('reuses identical constants instead of duplicating them', () => {
    const g = new GraphBuilder('t');
    expect(g.ints([1, 2])).toBe(g.ints([1, 2]));
    expect(g.ints([1, 2])).not.toBe(g.ints([2, 1]));
  });

  it('names a computed output after the graph output instead of copying it; copies only what it must', async () => {
    const g = new GraphBuilder('t');
    const x = g.input('x', 'float32', [2]);
    const cond = g.input('cond', 'bool', []);
    const y = g.op('Neg', [x]);
    const t = g.op('Add', [y, g.scalar(1)]);
    g.output(t, 'out_t', 'float32', [2]); // computed: renamed, no copy
    g.output(t, 'out_t_again', 'float32', [2]); // the same value twice: one copy
    g.output(x, 'x_copy', 'float32', [2]); // a graph input: a copy
    const u = g.op('Mul', [t, g.scalar(2)]); // `t` is still usable after output()
    g.output(u, 'u', 'float32', [2]);
    // A subgraph reads `y` by name from the outer scope, so `y` keeps its name and is copied.
    const branch = (factor: number) => {
      const b = new GraphBuilder(`times_${factor}`, `b${factor}_`);
      b.output(b.op('Mul', [y, b.scalar(factor)]), `b${factor}_out`, 'float32', [2]);
      return b;
    };
    const picked = g.op('If', [cond], {
      then_branch: { graph: branch(2) },
      else_branch: { graph: branch(3) },
    });
    g.output(y, 'y_out', 'float32', [2]);
    g.output(picked, 'picked', 'float32', [2]);

    const model = encodeModel(g);
    const identities = Buffer.from(model).toString('latin1').split('Identity').length - 1;
    expect(identities).toBe(3);
    const session = await ort.InferenceSession.create(model);
    const out = await session.run({
      x: new ort.Tensor('float32', Float32Array.of(1, -2), [2]),
      cond: new ort.Tensor('bool', [true], []),
    });
    const values = (name: string) => Array.from(out[name]?.data as Float32Array);
    expect(values('out_t')).toEqual([0, 3]);
    expect(values('out_t_again')).toEqual([0, 3]);
    expect(values('x_copy')).toEqual([1, -2]);
    expect(values('u')).toEqual([0, 6]);
    expect(values('y_out')).toEqual([-1, 2]);
    expect(values('picked')).toEqual([-2, 4]);
  });
});
