import { describe, expect, it } from 'vitest';
import {
  NoiseStream,
  philox4x32,
  randomWords,
  samplingNoise,
  uniformsF32,
  uniformsF64,
} from '../../../engine/sampling/rng.js';

describe('Philox4x32-10', () => {
  // Random123's published known-answer vectors (tests/kat_vectors).
  it.each([
    [
      [0, 0, 0, 0],
      [0, 0],
      [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8],
    ],
    [
      [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
      [0xffffffff, 0xffffffff],
      [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
    ],
    [
      [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
      [0xa4093822, 0x299f31d0],
      [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
    ],
  ] as const)('matches the Random123 vector for counter %j', (ctr, key, out) => {
    expect(Array.from(philox4x32(ctr, key))).toEqual(out);
  });
});

describe('noise streams', () => {
  it('is a pure function of (seed, step, stream, index): prefixes and offsets agree', () => {
    const all = randomWords(7, 3, NoiseStream.sample, 37);
    expect(Array.from(randomWords(7, 3, NoiseStream.sample, 5))).toEqual(Array.from(all.subarray(0, 5)));
    expect(Array.from(randomWords(7, 3, NoiseStream.sample, 10, 13))).toEqual(
      Array.from(all.subarray(13, 23)),
    );
    expect(Array.from(uniformsF64(7, 3, 2, 4, 3))).toEqual(Array.from(uniformsF64(7, 3, 2, 7).subarray(3)));
  });

  it('differs across seed, step and stream', () => {
    const base = Array.from(uniformsF32(1, 0, NoiseStream.sample, 8));
    expect(Array.from(uniformsF32(2, 0, NoiseStream.sample, 8))).not.toEqual(base);
    expect(Array.from(uniformsF32(1, 1, NoiseStream.sample, 8))).not.toEqual(base);
    expect(Array.from(uniformsF32(1, 0, NoiseStream.remask, 8))).not.toEqual(base);
    expect(Array.from(uniformsF32(2 ** 32 + 1, 0, NoiseStream.sample, 8))).not.toEqual(base);
  });

  it('stays strictly inside (0, 1) and looks uniform', () => {
    const n = 200_000;
    for (const u of [uniformsF32(42, 5, 1, n), uniformsF64(42, 5, 3, n)]) {
      let sum = 0;
      let min = 1;
      let max = 0;
      const bins = new Array(10).fill(0);
      for (const v of u) {
        sum += v;
        min = Math.min(min, v);
        max = Math.max(max, v);
        bins[Math.floor(v * 10)]++;
      }
      expect(min).toBeGreaterThan(0);
      expect(max).toBeLessThan(1);
      expect(sum / n).toBeCloseTo(0.5, 2);
      for (const b of bins) expect(Math.abs(b - n / 10)).toBeLessThan(n / 100);
    }
  });

  it('keeps the float32 extremes inside (0, 1) after rounding to float32', () => {
    expect(Math.fround((0 + 0.5) * 2 ** -23)).toBeGreaterThan(0);
    expect(Math.fround((2 ** 23 - 1 + 0.5) * 2 ** -23)).toBeLessThan(1);
  });

  it('lays out sampling noise as [count, perCell] from the sample stream', () => {
    const noise = samplingNoise(9, 4, 3, 5);
    expect(noise).toHaveLength(15);
    expect(Array.from(noise)).toEqual(Array.from(uniformsF32(9, 4, NoiseStream.sample, 15)));
    expect(Array.from(uniformsF32(9, 4, NoiseStream.remask, 3))).not.toEqual(
      Array.from(noise.subarray(0, 3)),
    );
  });

  it('refuses a negative or fractional seed', () => {
    expect(() => randomWords(-1, 0, 0, 1)).toThrow(RangeError);
    expect(() => randomWords(1.5, 0, 0, 1)).toThrow(RangeError);
  });
});
