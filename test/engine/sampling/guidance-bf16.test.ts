// Guidance rounded as upstream's bf16 tensors are, op by op, in upstream's order: image-to-image's
// `c + a·(c − u_text) + b·(c − u_img)` rounds differently from the weighted sum `(1+a+b)·c − a·u_text − b·u_img` the
// graph computed before, often enough to move the first argmax of a row.
import { describe, expect, it } from 'vitest';
import { guideBf16 as guideGraph } from '../../../engine/graphs/bf16-sampling.js';
import { encodeModel } from '../../../engine/onnx/graph.js';
import { createSession, runSession, Tensor } from '../../../engine/runtime/ort.js';
import { roundBf16 } from '../../../engine/sampling/bf16.js';
import { guideBf16 } from '../../../engine/sampling/bf16-gumbel.js';
import { dualGuidanceWeights } from '../../../engine/tasks/image-to-image.js';
import { samplingHead } from '../../doubles/sampling-head-graph.js';
import { cfgUpstream, dualCfgUpstream, gaussianBf16 } from '../../reference/torch-bf16-sampling.js';

const K = 512;
const M = 48;

/** A branch's logits for M cells, spread as a guided model's are. */
const logits = (seed: number) => gaussianBf16(seed, M * K, 6);

/** The weighted sum as the graph rounded it before: each term rounded, their float32 sum rounded once. */
function weightedSum(branches: readonly Float32Array[], w: readonly number[]): Float32Array {
  return branches[0]!.map((_, i) => {
    let sum = 0;
    branches.forEach((b, g) => {
      sum = Math.fround(sum + roundBf16(Math.fround(w[g]!) * b[i]!));
    });
    return roundBf16(sum);
  });
}

function firstArgMaxRows(x: Float32Array): number[] {
  return Array.from({ length: x.length / K }, (_, r) => {
    let best = 0;
    for (let c = 1; c < K; c++) if (x[r * K + c]! > x[r * K + best]!) best = c;
    return best;
  });
}

/** The graph's guidance (and the sampling head's greedy codes) for J jobs of G branches each. */
async function graphGuide(branches: Float32Array[][], weights: number[][]) {
  const J = branches.length;
  const G = branches[0]!.length;
  const { g, logits, weights: branchW, out } = samplingHead({ jobs: J, branches: G, cells: M, codes: K });
  g.output(guideGraph(g, logits, branchW, K), 'guided', 'float32', [J, M, K]);
  g.output(out.codes, 'codes', 'int64', [J, M]);
  const { session } = await createSession(encodeModel(g, { opset: 21 }), { device: 'cpu' });
  const data = new Float32Array(J * G * M * K);
  branches.flat().forEach((b, i) => {
    data.set(b, i * M * K);
  });
  const res = await runSession(session, {
    cells: new Tensor('float32', data, [J * G, M, K]),
    branch_w: new Tensor('float32', Float32Array.from(weights.flat()), [J, G]),
    temperature: new Tensor('float32', new Float32Array(J), [J]),
    noise: new Tensor('float32', new Float32Array(J * M), [J, M]),
  });
  await session.release();
  return {
    guided: res.guided!.data as Float32Array,
    codes: Array.from(res.codes!.data as BigInt64Array, Number),
  };
}

describe('guidance on bf16 in upstream’s op order', () => {
  const cond = logits(1);
  const text = logits(2);
  const img = logits(3);

  it.each([
    [2.5, 4],
    [0, 4],
    [1.3, 0],
  ])(
    'image-to-image (cfg %s, cfg_img %s): host and graph round as upstream, not as the weighted sum',
    async (a, b) => {
      const w = dualGuidanceWeights(a, b);
      const upstream = dualCfgUpstream(cond, text, img, a, b);
      expect(Array.from(guideBf16([cond, text, img], w))).toEqual(Array.from(upstream));
      const graph = await graphGuide([[cond, text, img]], [w]);
      expect(Array.from(graph.guided)).toEqual(Array.from(upstream));
      expect(graph.codes).toEqual(firstArgMaxRows(upstream));
      // The order matters: the weighted sum rounds many logits differently.
      const before = weightedSum([cond, text, img], w);
      expect(upstream.filter((v, i) => v !== before[i]).length).toBeGreaterThan(M * K * 0.05);
    },
  );

  it('image-to-image picks the code upstream’s order ranks first where the weighted sum would tie it away', async () => {
    // At codes 3 and 7 upstream gets 7.9375 and 8, the weighted sum 8 and 8 (the first, code 3, would win).
    const row = (at3: number, at7: number) => {
      const x = new Float32Array(M * K).fill(-8);
      for (let r = 0; r < M; r++) {
        x[r * K + 3] = at3;
        x[r * K + 7] = at7;
      }
      return x;
    };
    const c = row(-0.1337890625, 1.2265625);
    const t = row(0.65625, 2.890625);
    const i = row(-2.65625, -1.5078125);
    const w = dualGuidanceWeights(2.5, 4);
    expect(firstArgMaxRows(weightedSum([c, t, i], w))[0]).toBe(3);
    expect(firstArgMaxRows(dualCfgUpstream(c, t, i, 2.5, 4))[0]).toBe(7);
    const graph = await graphGuide([[c, t, i]], [w]);
    expect(graph.codes).toEqual(new Array(M).fill(7));
  });

  it('text-to-image (1 + s)·c − s·u and a lone branch keep their rounding, jobs of one batch each their own weights', async () => {
    const upstream = cfgUpstream(cond, text, 3);
    expect(Array.from(guideBf16([cond, text], [4, -3]))).toEqual(Array.from(upstream));
    const graph = await graphGuide(
      [
        [cond, text],
        [img, cond],
      ],
      [
        [4, -3],
        [1, 0],
      ],
    );
    expect(Array.from(graph.guided.subarray(0, M * K))).toEqual(Array.from(upstream));
    expect(Array.from(graph.guided.subarray(M * K))).toEqual(Array.from(img));
    const lone = await graphGuide([[cond]], [[1]]);
    expect(Array.from(lone.guided)).toEqual(Array.from(cond));
  });
});
