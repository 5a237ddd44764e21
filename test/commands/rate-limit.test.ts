import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../commands/rate-limit.js';
import type { RateSlot, RateSlotRequest } from '../../src/jobs/index.js';

const T = 1_000_000;

async function refusedAfter(slot: Promise<RateSlot>): Promise<number | undefined> {
  const taken = await slot;
  return taken.ok ? undefined : taken.retryAfterMs;
}

describe('RateLimiter in one process', () => {
  it('allows the limit per sliding minute and says when the oldest counted submission leaves', async () => {
    const limiter = new RateLimiter(2);
    expect((await limiter.take('u', T)).ok).toBe(true);
    expect((await limiter.take('u', T + 10_000)).ok).toBe(true);
    expect(await refusedAfter(limiter.take('u', T + 20_000))).toBe(40_000);
    expect((await limiter.take('other', T + 20_000)).ok).toBe(true);
    expect((await limiter.take('u', T + 60_000)).ok).toBe(true);
  });

  it('gives a released slot back, and counts an exempt submission without ever refusing it', async () => {
    const limiter = new RateLimiter(1);
    const slot = await limiter.take('u', T);
    if (!slot.ok) throw new Error('refused');
    await slot.release();
    expect((await limiter.take('u', T + 1)).ok).toBe(true);
    expect((await limiter.take('u', T + 2, true)).ok).toBe(true);
    expect(await refusedAfter(limiter.take('u', T + 3))).toBe(59_999);
  });

  it('forgets a user who submitted once and never came back, once their minute has passed', async () => {
    const limiter = new RateLimiter(5);
    for (let i = 0; i < 100; i++) await limiter.take(`once-${i}`, T + i);
    expect(limiter.trackedUsers).toBe(100);
    await limiter.take('late', T + 30_000);
    expect(limiter.trackedUsers).toBe(101);
    // A minute after the first sweep's time, the next submission sweeps: only the one still inside the window stays.
    await limiter.take('later', T + 60_000 + 99);
    expect(limiter.trackedUsers).toBe(2);
    expect(await refusedAfter(limiter.take('late', T + 60_000 + 100))).toBeUndefined();
  });
});

describe('RateLimiter when the system clock steps back', () => {
  it('reopens the window within a minute, not once the clock has caught up', async () => {
    const limiter = new RateLimiter(2);
    await limiter.take('u', T);
    await limiter.take('u', T + 1000);
    // NTP steps the clock back an hour: the two submissions count as just made, for one minute.
    const back = T - 60 * 60_000;
    expect(await refusedAfter(limiter.take('u', back))).toBe(60_000);
    expect((await limiter.take('u', back + 60_000)).ok).toBe(true);
  });
});

describe('RateLimiter over a shared window', () => {
  it('asks the shared window (with the limit, the minute and the exemption) instead of its own count', async () => {
    const asked: RateSlotRequest[] = [];
    const limiter = new RateLimiter(1, async (request) => {
      asked.push(request);
      return asked.length > 2
        ? { ok: false, retryAfterMs: 1234 }
        : { ok: true, release: async () => undefined };
    });
    expect((await limiter.take('u', T)).ok).toBe(true);
    // Past this process's own limit of one: only the shared window decides.
    expect((await limiter.take('u', T, true)).ok).toBe(true);
    expect(await refusedAfter(limiter.take('u', T))).toBe(1234);
    expect(asked).toEqual([
      { user: 'u', limit: 1, windowMs: 60_000, exempt: false },
      { user: 'u', limit: 1, windowMs: 60_000, exempt: true },
      { user: 'u', limit: 1, windowMs: 60_000, exempt: false },
    ]);
  });

  it('fails open to its own count while the shared window cannot be reached', async () => {
    let up = false;
    const limiter = new RateLimiter(2, async () => {
      if (!up) throw new Error('unreachable');
      return { ok: false, retryAfterMs: 5000 };
    });
    expect((await limiter.take('u', T)).ok).toBe(true);
    expect((await limiter.take('u', T + 1000)).ok).toBe(true);
    expect(await refusedAfter(limiter.take('u', T + 2000))).toBe(58_000);
    up = true;
    expect(await refusedAfter(limiter.take('u', T + 3000))).toBe(5000);
  });

  it('never asks the shared window when the limit is off', async () => {
    const limiter = new RateLimiter(0, async () => {
      throw new Error('asked');
    });
    for (let i = 0; i < 5; i++) expect((await limiter.take('u', T)).ok).toBe(true);
  });
});
