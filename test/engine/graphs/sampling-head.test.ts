// The image graph's sampling head alone at DiMOO's codebook width (K = 8192): branch logits in, the host
// reference's bf16 Gumbel-max codes and confidences out (engine/sampling/bf16-gumbel.ts).
import { describe, expect, it } from 'vitest';
import { encodeModel } from '../../../engine/onnx/graph.js';
import { createSession, runSession, Tensor } from '../../../engine/runtime/ort.js';
import { guideBf16, sampleCellsBf16 } from '../../../engine/sampling/bf16-gumbel.js';
import { samplingHead } from '../../doubles/sampling-head-graph.js';

const K = 8192;
const M = 48;

function headGraph(): Uint8Array {
  const { g, out } = samplingHead({ jobs: 1, branches: 2, cells: M, codes: K });
  g.output(out.codes, 'codes', 'int64', [1, M]);
  g.output(out.probs, 'probs', 'float32', [1, M]);
  return encodeModel(g, { opset: 21 });
}

describe('the image sampling head at K = 8192', () => {
  it.each([1, 0.7, 0])('draws the host reference bf16 Gumbel-max code at τ = %s', async (tau) => {
    const { session } = await createSession(headGraph(), { device: 'cpu' });
    let seed = 7;
    const rand = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    // Peaked rows (a few likely codes) and flat ones, so picks land both early and late in the CDF.
    const branch = () =>
      Float32Array.from({ length: M * K }, (_, i) => (rand() - 0.5) * (Math.floor(i / K) % 2 ? 4 : 24));
    const cond = branch();
    const uncond = branch();
    const noise = Float32Array.from({ length: M }, (_, i) => (i + 0.5) / M);
    const cells = new Float32Array(2 * M * K);
    cells.set(cond);
    cells.set(uncond, M * K);
    const out = await runSession(session, {
      cells: new Tensor('float32', cells, [2, M, K]),
      branch_w: new Tensor('float32', Float32Array.of(5, -4), [1, 2]),
      temperature: new Tensor('float32', Float32Array.of(tau), [1]),
      noise: new Tensor('float32', noise, [1, M]),
    });
    const reference = sampleCellsBf16(guideBf16([cond, uncond], [5, -4]), K, tau, noise);
    const codes = Array.from(out.codes!.data as BigInt64Array, Number);
    expect(codes).toEqual(Array.from(reference.codes));
    expect(Array.from(out.probs!.data as Float32Array)).toEqual(Array.from(reference.probs));
    expect(new Set(codes).size).toBeGreaterThan(M / 2);
    expect(Math.max(...codes)).toBeGreaterThan(K / 2);
  });
});
