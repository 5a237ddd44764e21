// The dispatcher's lease in Redis: one key naming the process that dispatches (SET NX PX), renewed by its holder
// only, so two processes never both claim runs; a clean shutdown frees it at once instead of letting it run out.
import type { SharedState } from './shared-state.js';

/** Renews the dispatcher lease only while this process still holds it. */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

/** Frees the lease if this process holds it. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

type LeaseState = Pick<SharedState, 'redis' | 'key'>;

/** Renews the lease `holder` has, or takes it when nobody holds it; whether `holder` dispatches now. */
export async function acquireLease(state: LeaseState, holder: string, ttlMs: number): Promise<boolean> {
  const key = state.key('dispatcher');
  if ((await state.redis.eval(RENEW, 1, key, holder, String(ttlMs))) === 1) return true;
  return (await state.redis.set(key, holder, 'PX', ttlMs, 'NX')) === 'OK';
}

export async function releaseLease(state: LeaseState, holder: string): Promise<void> {
  await state.redis.eval(RELEASE, 1, state.key('dispatcher'), holder);
}
