import { describe, expect, it } from 'vitest';
import {
  cosineKeepCount,
  remaskCount,
  scheduledSteps,
  unmaskCounts,
} from '../../../engine/sampling/schedule.js';

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('cosine schedule (§4.1)', () => {
  it('N=4096, T=64 (1024²): 2, 3, 7, 8, 11, 14, 16, 18, 21, 23, … ≈100 at the end, sum 4096', () => {
    const counts = unmaskCounts(4096, 64);
    expect(counts).toHaveLength(64);
    expect(counts.slice(0, 10)).toEqual([2, 3, 7, 8, 11, 14, 16, 18, 21, 23]);
    expect(counts.at(-1)).toBeGreaterThanOrEqual(95);
    expect(counts.at(-1)).toBeLessThanOrEqual(105);
    expect(sum(counts)).toBe(4096);
  });

  it('N=1024, T=64 (512²): 1, 1, 1, 2, 3, 4, … ≈25 at the end, sum 1024', () => {
    const counts = unmaskCounts(1024, 64);
    expect(counts).toHaveLength(64);
    expect(counts.slice(0, 6)).toEqual([1, 1, 1, 2, 3, 4]);
    expect(counts.at(-1)).toBeGreaterThanOrEqual(22);
    expect(counts.at(-1)).toBeLessThanOrEqual(28);
    expect(sum(counts)).toBe(1024);
  });

  it('keeps on the initial count: floor(N·cos), at least 1, 0 at the last step', () => {
    expect(cosineKeepCount(0, 64, 4096)).toBe(4094);
    expect(cosineKeepCount(62, 64, 4096)).toBe(Math.floor(4096 * Math.cos((Math.PI / 2) * (63 / 64))));
    expect(cosineKeepCount(62, 64, 10)).toBe(1);
    expect(cosineKeepCount(63, 64, 4096)).toBe(0);
  });

  it('clamps to |masked| − 1 so every step commits at least one cell', () => {
    expect(remaskCount(0, 64, 4096, 3)).toBe(2);
    expect(remaskCount(0, 64, 4096, 1)).toBe(0);
    const tiny = unmaskCounts(5, 64);
    expect(tiny.every((c) => c >= 1)).toBe(true);
    expect(sum(tiny)).toBe(5);
    expect(tiny.length).toBeLessThan(64);
  });

  it('counts the steps that run: every asked step, or one per cell when cells are fewer', () => {
    expect(scheduledSteps(1024, 64)).toBe(64);
    expect(scheduledSteps(2, 16)).toBe(2);
    expect(scheduledSteps(5, 64)).toBe(5);
    expect(scheduledSteps(16, 16)).toBe(16);
    expect(scheduledSteps(0, 16)).toBe(0);
  });

  // Values printed by torch 1.13 (CPU) running upstream's float32 expression; float64 arithmetic gives N/2 here.
  it.each([
    [1000, 3, 1, 499],
    [4000, 12, 7, 1999],
    [3072, 12, 7, 1535],
    [2304, 3, 1, 1151],
  ])('rounds like upstream float32 where N·cos is an integer: N=%i T=%i step %i → %i', (n, t, step, keep) => {
    expect(cosineKeepCount(step, t, n)).toBe(keep);
  });

  it('commits everything in one step when T = 1', () => {
    expect(unmaskCounts(256, 1)).toEqual([256]);
  });

  it('is non-decreasing in committed cells per step for a painting-sized N', () => {
    const counts = unmaskCounts(300, 16);
    expect(sum(counts)).toBe(300);
    for (let i = 1; i < counts.length - 1; i++) expect(counts[i]).toBeGreaterThanOrEqual(counts[i - 1]! - 1);
  });
});
