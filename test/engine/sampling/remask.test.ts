import { describe, expect, it } from 'vitest';
import { softmaxAt } from '../../../engine/sampling/categorical.js';
import {
  gumbel,
  remaskConfidence,
  remaskGumbels,
  remaskLeastConfident,
  selectRemask,
} from '../../../engine/sampling/remask.js';
import { samplingNoise, uniformsF32 } from '../../../engine/sampling/rng.js';
import {
  guideImageToImage,
  guideTextToImage,
  sampleCells,
  sampleGumbelMax,
  sampleInverseCdf,
} from '../../reference/exact-sampling.js';

describe('re-masking (§4.1)', () => {
  it('computes Gumbel noise with upstream guards', () => {
    expect(gumbel(Math.exp(-1))).toBeCloseTo(0, 12);
    expect(Number.isFinite(gumbel(0))).toBe(true);
    expect(gumbel(0.9)).toBeGreaterThan(gumbel(0.1));
  });

  it('at τ = 0 re-masks exactly the k least probable cells, no noise needed', () => {
    const probs = Float32Array.of(0.9, 0.1, 0.5, 0.05, 0.7, 0.3);
    expect(Array.from(remaskLeastConfident(probs, 3, 0, null))).toEqual([0, 1, 0, 1, 0, 1]);
    expect(Array.from(remaskLeastConfident(probs, 0, 0, null))).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('clamps k to n − 1 so at least one cell is committed', () => {
    const probs = Float32Array.of(0.2, 0.4, 0.6);
    expect(Array.from(remaskLeastConfident(probs, 10, 0, null))).toEqual([1, 1, 0]);
  });

  it('keeps tied cells at the cutoff committed, as upstream’s strict comparison does', () => {
    const probs = Float32Array.of(0.5, 0.5, 0.5, 0.9);
    expect(Array.from(selectRemask(remaskConfidence(probs, 0, null), 2))).toEqual([0, 0, 0, 0]);
  });

  it('treats p = 0 as log 1e−20 (in bf16)', () => {
    expect(remaskConfidence(Float32Array.of(0), 0, null)[0]).toBe(-46); // log 1e−20 = −46.05, −46 in bf16
  });

  it('adds τ·Gumbel to log p in bf16 and re-masks at most k, fewer only where cells tie at the cutoff', () => {
    const n = 500;
    const probs = uniformsF32(3, 0, 9, n);
    const g = remaskGumbels(3, 0, n);
    const conf = remaskConfidence(probs, 1, g);
    expect(conf[7]).toBeCloseTo(Math.log(probs[7]!) + g[7]!, 1);
    for (const k of [0, 1, 137, 499]) {
      const flags = remaskLeastConfident(probs, k, 1, g);
      const cutoff = Float64Array.from(conf).sort()[Math.min(k, n - 1)]!;
      const tied = conf.filter((c) => c === cutoff).length;
      const count = flags.reduce((a, b) => a + b, 0);
      expect(count).toBeLessThanOrEqual(k);
      expect(count).toBeGreaterThan(k - tied);
    }
    // τ scales the noise: a different τ changes the choice
    const a = Array.from(remaskLeastConfident(probs, 200, 1, g));
    const b = Array.from(remaskLeastConfident(probs, 200, 0.1, g));
    expect(a).not.toEqual(b);
  });

  it('is reproducible from the seed', () => {
    const probs = uniformsF32(1, 0, 9, 64);
    const run = (seed: number) => Array.from(remaskLeastConfident(probs, 20, 1, remaskGumbels(seed, 5, 64)));
    expect(run(11)).toEqual(run(11));
    expect(run(11)).not.toEqual(run(12));
  });

  it('asks for noise when τ > 0', () => {
    expect(() => remaskConfidence(Float32Array.of(0.5), 1, null)).toThrow(/Gumbel/);
  });
});

describe('sampling reference (what the graph computes)', () => {
  it('combines guidance as upstream', () => {
    const c = Float32Array.of(1, 2);
    const u = Float32Array.of(0.5, 3);
    expect(Array.from(guideTextToImage(c, u, 4))).toEqual([5 * 1 - 4 * 0.5, 5 * 2 - 4 * 3]);
    const t = Float32Array.of(0, 1);
    const i = Float32Array.of(1, 0);
    expect(Array.from(guideImageToImage(c, t, i, 2.5, 4))).toEqual([1 + 2.5 * 1 + 0, 2 + 2.5 * 1 + 4 * 2]);
  });

  it('τ = 0 is argmax and confidence is the untempered softmax probability', () => {
    const logits = Float32Array.of(0, 3, 1, /* row 2 */ 5, 0, 0);
    const out = sampleCells(logits, 3, 0, null, 1);
    expect(Array.from(out.codes)).toEqual([1, 0]);
    expect(out.probs[0]).toBeCloseTo(Math.exp(3) / (1 + Math.exp(3) + Math.exp(1)), 6);
    expect(softmaxAt(logits, 3, 6, 0)).toBeCloseTo(out.probs[1]!, 6);
  });

  it('Gumbel-max and inverse CDF both draw from softmax(l/τ)', () => {
    const row = Float32Array.of(1, 0, -1, 2);
    const tau = 0.7;
    const p = Array.from(row, (v) => Math.exp(v / tau));
    const z = p.reduce((a, b) => a + b, 0);
    const n = 20000;
    const gumbelCounts = [0, 0, 0, 0];
    const cdfCounts = [0, 0, 0, 0];
    const noise = samplingNoise(5, 0, n, 4);
    const single = samplingNoise(6, 0, n, 1);
    for (let i = 0; i < n; i++) {
      gumbelCounts[sampleGumbelMax(row, 0, 4, tau, noise, i * 4)]!++;
      cdfCounts[sampleInverseCdf(row, 0, 4, tau, single[i]!)]!++;
    }
    for (let k = 0; k < 4; k++) {
      expect(gumbelCounts[k]! / n).toBeCloseTo(p[k]! / z, 1);
      expect(cdfCounts[k]! / n).toBeCloseTo(p[k]! / z, 1);
    }
  });

  it('inverse CDF picks by cumulative mass', () => {
    const row = Float32Array.of(0, 0, 0, 0); // uniform quarters
    expect(sampleInverseCdf(row, 0, 4, 1, 0.1)).toBe(0);
    expect(sampleInverseCdf(row, 0, 4, 1, 0.3)).toBe(1);
    expect(sampleInverseCdf(row, 0, 4, 1, 0.99)).toBe(3);
  });

  it('refuses noise of the wrong shape', () => {
    expect(() => sampleCells(new Float32Array(6), 3, 1, new Float32Array(1), 1)).toThrow(/uniforms/);
    expect(() => sampleCells(new Float32Array(6), 3, 1, new Float32Array(6), 2)).toThrow(/perCell/);
  });
});
