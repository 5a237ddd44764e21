// The engine's image-code draw against upstream's, emulated op for op in test/reference/torch-bf16-sampling.ts:
// the bf16 pieces agree exactly, and the image graph's draws follow upstream's distribution (not softmax(l/τ),
// which the engine drew before: upstream's bounded, coarse bf16 noise picks the top code several times as often).
import { describe, expect, it } from 'vitest';
import { encodeModel } from '../../../engine/onnx/graph.js';
import { createSession, runSession, Tensor } from '../../../engine/runtime/ort.js';
import { gumbelBf16, roundBf16, torchUniformBf16 } from '../../../engine/sampling/bf16.js';
import { gumbelIndex, gumbelTable } from '../../../engine/sampling/code-noise.js';
import { remaskConfidence, remaskGumbels, remaskLeastConfident } from '../../../engine/sampling/remask.js';
import { randomWords, samplingNoise } from '../../../engine/sampling/rng.js';
import { samplingHead } from '../../doubles/sampling-head-graph.js';
import { sampleCells } from '../../reference/exact-sampling.js';
import {
  gaussianBf16,
  gumbelMaxSampleUpstream,
  gumbelNoise,
  maskByRandomTopkConfidence,
  toBf16,
  torchRandBf16,
} from '../../reference/torch-bf16-sampling.js';

const K = 1024;

/** The image graph's sampling head with one branch of M cells. */
async function graphDraws(row: Float32Array, tau: number, cells: number, step: number): Promise<number[]> {
  const { g, out } = samplingHead({ jobs: 1, branches: 1, cells, codes: K });
  g.output(out.codes, 'codes', 'int64', [1, cells]);
  const { session } = await createSession(encodeModel(g, { opset: 21 }), { device: 'cpu' });
  const logits = new Float32Array(cells * K);
  for (let c = 0; c < cells; c++) logits.set(row, c * K);
  const res = await runSession(session, {
    cells: new Tensor('float32', logits, [1, cells, K]),
    branch_w: new Tensor('float32', Float32Array.of(1), [1, 1]),
    temperature: new Tensor('float32', Float32Array.of(tau), [1]),
    noise: new Tensor('float32', samplingNoise(11, step, cells, 1), [1, cells]),
  });
  return Array.from(res.codes!.data as BigInt64Array, Number);
}

/** Counts of draws by the drawn code's logit rank: 1st, 2nd, 3rd, 4th–10th, 11th–50th, the rest. */
function byRank(row: Float32Array, draws: readonly number[]): number[] {
  const order = Array.from(row.keys()).sort((a, b) => row[b]! - row[a]! || a - b);
  const rank = new Int32Array(K);
  order.forEach((code, r) => {
    rank[code] = r;
  });
  const bins = [0, 0, 0, 0, 0, 0];
  for (const d of draws) {
    const r = rank[d]!;
    bins[r < 3 ? r : r < 10 ? 3 : r < 50 ? 4 : 5]! += 1;
  }
  return bins;
}

/** Pearson's χ² of two samples' bin counts (homogeneity, bins − 1 degrees of freedom). */
function chiSquare(a: readonly number[], b: readonly number[]): number {
  const na = a.reduce((x, y) => x + y);
  const nb = b.reduce((x, y) => x + y);
  let chi = 0;
  a.forEach((ai, i) => {
    const pooled = (ai + b[i]!) / (na + nb);
    if (pooled === 0) return;
    chi += (ai - na * pooled) ** 2 / (na * pooled) + (b[i]! - nb * pooled) ** 2 / (nb * pooled);
  });
  return chi;
}

// χ² with 5 degrees of freedom exceeds 25.7 with probability 1e-4.
const CHI2_5_1E4 = 25.7;

describe('bf16 pieces against the op-by-op emulation of torch', () => {
  it('rounds to bf16 with ties to even, as torch stores a float32 result', () => {
    const values = [
      1 + 2 ** -8,
      1 + 3 * 2 ** -8,
      1 + 2 ** -8 + 2 ** -20,
      -(1 + 2 ** -8),
      Math.PI,
      1e-20,
      65535,
      2 ** -130,
    ];
    for (const v of values) expect(roundBf16(v)).toBe(toBf16(v));
    expect(roundBf16(1 + 2 ** -8)).toBe(1);
    expect(roundBf16(1 + 3 * 2 ** -8)).toBe(1 + 2 ** -6);
    const words = randomWords(3, 0, 9, 20000);
    const u = torchRandBf16(words);
    expect(Array.from(words, torchUniformBf16)).toEqual(Array.from(u));
    expect(Array.from(u, gumbelBf16)).toEqual(Array.from(gumbelNoise(u)));
  });

  it('caps the Gumbel noise where a bf16 uniform stops below 1', () => {
    expect(torchUniformBf16(2 ** 32 - 1)).toBe(0);
    expect(gumbelTable().reduce((a, b) => Math.max(a, b))).toBe(gumbelBf16(1 - 2 ** -8));
    expect(gumbelBf16(1 - 2 ** -8)).toBeCloseTo(5.53, 1);
  });

  it('looks each word up in the Gumbel table as the exact mapping gives it, but for words float32 rounds onto a tie', () => {
    const words = randomWords(5, 0, 9, 200000);
    const g = gumbelNoise(torchRandBf16(words));
    let off = 0;
    words.forEach((w, i) => {
      if (gumbelTable()[gumbelIndex(w)] !== g[i]) off += 1;
    });
    expect(off).toBeLessThan(10);
  });
});

describe('the image graph draws codes as upstream does', () => {
  it.each([
    [1, 101],
    [0.8, 202],
  ])(
    'at τ = %s: the logit ranks of its draws follow upstream bf16 Gumbel-max, not softmax(l/τ)',
    async (tau, seed) => {
      const row = gaussianBf16(seed, K);
      const N = 6000;
      const upstream = Array.from({ length: N }, (_, d) =>
        gumbelMaxSampleUpstream(row, tau, randomWords(seed, d, 99, K)),
      );
      const engine = [...(await graphDraws(row, tau, N / 2, 0)), ...(await graphDraws(row, tau, N / 2, 1))];
      const exact = sampleCells(
        Float32Array.from({ length: N * K }, (_, i) => row[i % K]!),
        K,
        tau,
        samplingNoise(seed, 0, N, 1),
        1,
      ).codes;
      const up = byRank(row, upstream);
      expect(chiSquare(byRank(row, engine), up)).toBeLessThan(CHI2_5_1E4);
      // The exact draw the engine made before is far from it (the top code about half as often at K = 1024).
      const before = byRank(row, Array.from(exact));
      expect(chiSquare(before, up)).toBeGreaterThan(10 * CHI2_5_1E4);
      expect(up[0]!).toBeGreaterThan(1.5 * before[0]!);
    },
  );

  it('at τ = 0 takes the first of the codes whose bf16 logits tie, as torch.argmax does', async () => {
    const row = new Float32Array(K);
    row[5] = 2;
    row[9] = 2.005; // 2 in bf16
    expect(gumbelMaxSampleUpstream(Float32Array.from(row, toBf16), 0, [])).toBe(5);
    expect(await graphDraws(row, 0, 2, 0)).toEqual([5, 5]);
  });
});

describe('re-masking confidence as upstream computes it', () => {
  it('equals mask_by_random_topk’s bf16 confidence, so tied cells at the cutoff stay committed as upstream’s do', () => {
    const n = 4096;
    const words = randomWords(8, 0, 9, n);
    const probs = Float32Array.from(words, (w) => toBf16(Math.exp(-8 * (w / 2 ** 32))));
    const g = remaskGumbels(8, 3, n);
    const upstream = maskByRandomTopkConfidence(probs, 1, g);
    expect(Array.from(remaskConfidence(probs, 1, g))).toEqual(Array.from(upstream));
    const k = 2048;
    const cutoff = Float32Array.from(upstream).sort()[k]!;
    const upstreamCount = upstream.filter((c) => c < cutoff).length;
    expect(upstreamCount).toBeLessThan(k); // bf16 ties: upstream re-masks fewer than k here
    expect(remaskLeastConfident(probs, k, 1, g).reduce((a, b) => a + b, 0)).toBe(upstreamCount);
  });
});
