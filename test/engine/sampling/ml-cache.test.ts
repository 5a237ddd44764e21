import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../engine/api.js';
import {
  clearsCacheBefore,
  isFullStep,
  ML_CACHE_DEFAULTS,
  minMlCacheSteps,
  needsSelectionAfter,
  quantileLinear,
  resolveMlCache,
  selectRecompute,
} from '../../../engine/sampling/ml-cache.js';

function badRequest(fn: () => unknown): EngineError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('bad_request');
    return err as EngineError;
  }
  throw new Error('expected a bad_request');
}

describe('ML-Cache step plan (§4.4)', () => {
  it('T=64 with defaults: steps 0..19, 24, 29, …, 59 are full (28 full, 36 cached)', () => {
    const plan = resolveMlCache(true, 64)!;
    expect(plan).toMatchObject({ ...ML_CACHE_DEFAULTS, warmupSteps: 19, fullCount: 28 });
    const full = plan.full.flatMap((f, s) => (f ? [s] : []));
    expect(full).toEqual([...Array.from({ length: 20 }, (_, i) => i), 24, 29, 34, 39, 44, 49, 54, 59]);
    expect(isFullStep(plan, 20)).toBe(false);
    expect(isFullStep(plan, 63)).toBe(false);
  });

  it('clears caches before every full step but the first, and selects before every cached step', () => {
    const plan = resolveMlCache(true, 64)!;
    expect(clearsCacheBefore(plan, 0)).toBe(false);
    expect(clearsCacheBefore(plan, 5)).toBe(true);
    expect(clearsCacheBefore(plan, 24)).toBe(true);
    expect(clearsCacheBefore(plan, 25)).toBe(false);
    expect(needsSelectionAfter(plan, 19)).toBe(true);
    expect(needsSelectionAfter(plan, 23)).toBe(false);
    expect(needsSelectionAfter(plan, 24)).toBe(true);
    expect(needsSelectionAfter(plan, 63)).toBe(false);
  });

  it('names the fewest steps a refresh interval fits in: 8 with the defaults', () => {
    expect(minMlCacheSteps()).toBe(8);
    expect(resolveMlCache(true, 8)).not.toBeNull();
    expect(() => resolveMlCache(true, 7)).toThrow(EngineError);
    const longer = { cacheRatio: 0.9, warmupRatio: 0.5, refreshInterval: 10 };
    const min = minMlCacheSteps(longer);
    expect(resolveMlCache(longer, min)).not.toBeNull();
    expect(() => resolveMlCache(longer, min - 1)).toThrow(EngineError);
  });

  it('without a plan every step is full and nothing is cached', () => {
    expect(resolveMlCache(undefined, 64)).toBeNull();
    expect(resolveMlCache(false, 64)).toBeNull();
    expect(isFullStep(null, 30)).toBe(true);
    expect(needsSelectionAfter(null, 30)).toBe(false);
  });

  it('fills missing options with the defaults', () => {
    expect(resolveMlCache({ refreshInterval: 10 }, 64)).toMatchObject({
      cacheRatio: 0.9,
      refreshInterval: 10,
    });
  });

  it.each([
    [{ cacheRatio: 0 }, 'cache_ratio must be in (0, 1), got 0'],
    [{ cacheRatio: 1 }, 'cache_ratio must be in (0, 1), got 1'],
    [{ warmupRatio: 1 }, 'warmup_ratio must be in [0, 1), got 1'],
    [{ warmupRatio: -0.1 }, 'warmup_ratio must be in [0, 1), got -0.1'],
    [
      { refreshInterval: 1 },
      'refresh_interval must be an integer in (1, 44] for 64 steps and warmup_ratio 0.3, got 1',
    ],
    [
      { refreshInterval: 45 },
      'refresh_interval must be an integer in (1, 44] for 64 steps and warmup_ratio 0.3, got 45',
    ],
    [
      { refreshInterval: 2.5 },
      'refresh_interval must be an integer in (1, 44] for 64 steps and warmup_ratio 0.3, got 2.5',
    ],
    [{ cacheRatio: Number.NaN }, 'cache_ratio must be in (0, 1), got NaN'],
  ])('refuses %j', (options, message) => {
    expect(badRequest(() => resolveMlCache(options, 64)).message).toBe(message);
  });

  it('accepts the range ends: refresh_interval = T − int(warmup·T) − 1 and warmup 0', () => {
    expect(resolveMlCache({ refreshInterval: 44 }, 64)!.full.filter(Boolean)).toHaveLength(21);
    expect(resolveMlCache({ warmupRatio: 0, refreshInterval: 2 }, 8)!.full).toEqual([
      true,
      false,
      true,
      false,
      true,
      false,
      true,
      false,
    ]);
  });

  it('says so when there are too few steps for any interval', () => {
    expect(badRequest(() => resolveMlCache(true, 2)).message).toMatch(/needs more steps/);
    expect(badRequest(() => resolveMlCache(true, 4)).message).toMatch(/\(1, 2\]/);
  });
});

describe('recompute selection', () => {
  // Inputs and thresholds printed by torch 1.13: torch.quantile(v, 1 − cache_ratio), sel = v <= thr.
  const torchCases = [
    {
      cr: 0.9,
      v: [2.59375, -6.5625, 0.9609375, 2.71875, -11.125, 1.296875, -5.15625, -2.5, 1.3671875, -4.59375],
      thr: -7.018749713897705,
      count: 1,
    },
    {
      cr: 0.5,
      v: [
        -0.2021484375, 1.4375, -0.03759765625, -4.5625, -5.4375, -1.3359375, 0.9453125, -1.09375, 10.3125,
        -0.1767578125,
      ],
      thr: -0.189453125,
      count: 5,
    },
    {
      cr: 0.75,
      v: [
        0.90234375, 6.8125, 10.1875, 3.21875, -3.65625, -2.4375, -1.171875, 3.53125, 4.625, 2.40625, -4.15625,
        6.34375, 1.3671875, -3.078125, -0.11767578125, 5.84375, 0.75390625, -5.21875, -3.609375, -11.0625,
        -3.421875, -6.125, -3.109375, -1.078125, -2.4375, 3.9375, 0.5390625, -5.34375, -0.58203125, 3.21875,
        -6.0, 2.390625, -6.15625, -6.84375, 7.71875, -0.166015625, -2.09375,
      ],
      thr: -3.609375,
      count: 10,
    },
  ];
  it.each(torchCases)('matches torch.quantile bit for bit (cache_ratio $cr)', ({ cr, v, thr, count }) => {
    expect(quantileLinear(v, 1 - cr)).toBe(thr);
    const sel = selectRecompute(Float32Array.from(v), cr);
    expect(sel.reduce((a, b) => a + b, 0)).toBe(count);
    v.forEach((m, i) => {
      expect(sel[i]).toBe(m <= thr ? 1 : 0);
    });
  });

  it('recomputes about 10% of 1000 distinct positions at cache_ratio 0.9, the lowest max-logits', () => {
    const mx = Float32Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1000);
    const sel = selectRecompute(mx, 0.9);
    expect(sel.reduce((a, b) => a + b, 0)).toBe(100);
    mx.forEach((m, i) => {
      expect(sel[i]).toBe(m < 100 ? 1 : 0);
    });
  });
});
