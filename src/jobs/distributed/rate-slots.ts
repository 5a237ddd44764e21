// The rate limit's window in the shared state: per user a sorted set of the submissions counted (scored by Redis's
// clock, since the front-ends' clocks may disagree), checked and added to by one script, so that two front-ends
// taking a user's last slot at the same moment cannot both get it. Each set expires a window after its newest
// entry: a user who stops submitting leaves nothing behind.
import { randomUUID } from 'node:crypto';
import { within } from '../../within.js';
import type { RateSlot, RateSlotRequest } from '../rate-slots.js';
import { REDIS_NOW } from './shared-scripts.js';
import type { SharedState } from './shared-state.js';

/**
 * KEYS: the user's window. ARGV: limit, window ms, entry, exempt (1/0). 0 when the entry was counted; else the ms
 * until the oldest of the last `limit` entries leaves the window (the local limiter's answer).
 */
const TAKE = `${REDIS_NOW}
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if ARGV[4] ~= '1' and count >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) + window - now)
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return 0`;

/** How long a submission waits for Redis before the caller counts it locally instead. */
export const RATE_WAIT_MS = 1000;

/**
 * Takes a slot in `request.user`'s shared window. Rejects at once while the connection is down, and after
 * `waitMs` when Redis does not answer: the client queues commands until Redis is back (`maxRetriesPerRequest:
 * null`), which would hold the user's submission for as long. A command so abandoned may still run later and count
 * one submission too many for a minute.
 */
export async function takeSharedRateSlot(
  state: SharedState,
  request: RateSlotRequest,
  waitMs = RATE_WAIT_MS,
): Promise<RateSlot> {
  if (state.redis.status !== 'ready') throw new Error('the shared queue is not connected');
  const key = state.key('rate', request.user);
  const entry = randomUUID();
  const args = [String(request.limit), String(request.windowMs), entry, request.exempt ? '1' : '0'];
  const answer = await within(state.redis.eval(TAKE, 1, key, ...args) as Promise<number>, waitMs, undefined);
  if (answer === undefined) throw new Error(`the shared queue did not answer within ${waitMs} ms`);
  if (answer > 0) return { ok: false, retryAfterMs: answer };
  return {
    ok: true,
    // Bounded like the take, and never failing: a slot not given back only costs its user one for a minute.
    release: async () => {
      await within(
        state.redis.zrem(key, entry).catch(() => 0),
        waitMs,
        0,
      );
    },
  };
}
