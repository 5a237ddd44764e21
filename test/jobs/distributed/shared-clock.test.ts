// The shared queue's one clock (shared-clock.ts): Redis's time read through this machine's clock and a measured
// offset, whatever this machine's clock says, without a round trip per reading.
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { SharedClock } from '../../../src/jobs/distributed/shared-clock.js';
import { REDIS_URL, skipWithoutRedis } from './redis-harness.js';

const skip = await skipWithoutRedis();
const closing: Array<() => void> = [];

afterEach(() => {
  for (const close of closing.splice(0)) close();
});

function connect(): Redis {
  const redis = new Redis(REDIS_URL);
  closing.push(() => redis.disconnect());
  return redis;
}

async function redisNow(redis: Redis): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Number(micros) / 1000;
}

describe.skipIf(skip)('the shared clock', () => {
  it('reads Redis’s time on a machine whose clock is 5 minutes ahead', async () => {
    const redis = connect();
    const clock = new SharedClock(redis, () => Date.now() + 5 * 60_000);
    closing.push(() => clock.stop());
    await clock.synced;
    let calls = 0;
    const counting = redis.time.bind(redis);
    redis.time = ((...args: Parameters<Redis['time']>) => {
      calls += 1;
      return counting(...args);
    }) as Redis['time'];
    const before = await redisNow(redis);
    const now = clock.now();
    const after = await redisNow(redis);
    expect(now).toBeGreaterThanOrEqual(before - 50);
    expect(now).toBeLessThanOrEqual(after + 50);
    // The two TIMEs above are the test's own: reading the clock sent none.
    expect(calls).toBe(2);
  });

  it('never goes back a little, but follows a clock stepped back for real', async () => {
    let local = Date.now();
    const clock = new SharedClock(connect(), () => local);
    closing.push(() => clock.stop());
    await clock.synced;
    const first = clock.now();
    local -= 300;
    expect(clock.now()).toBe(first);
    local -= 10_000;
    expect(clock.now()).toBeLessThan(first - 9000);
  });

  it('measures again, so a machine’s clock stepped meanwhile (NTP) still reads Redis’s time', async () => {
    let skew = 0;
    const redis = connect();
    const clock = new SharedClock(redis, () => Date.now() + skew, 50);
    closing.push(() => clock.stop());
    await clock.synced;
    skew = 60_000;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(Math.abs(clock.now() - (await redisNow(redis)))).toBeLessThan(100);
  });

  it('does not use a reading that waited out an outage in the offline queue', async () => {
    let local = 0;
    let calls = 0;
    // Redis's clock is 90 s ahead; the first TIME's reply comes 10 s after it was sent (Redis was away).
    const slowRedisDouble = {
      on: () => slowRedisDouble,
      time: async (): Promise<[string, string]> => {
        calls += 1;
        if (calls === 1) local += 10_000;
        return [String((local + 90_000) / 1000), '0'];
      },
      // Only the two methods the clock calls: a Redis connection's type has hundreds.
    } as unknown as Redis;
    const clock = new SharedClock(slowRedisDouble, () => local);
    closing.push(() => clock.stop());
    await clock.synced;
    expect(clock.now()).toBe(local + 90_000);
  });
});
