// The fair share's counters in Redis, under the rule local mode keeps (fair-counters.ts): a floor, the least counter
// an active user can still reach (a handed-out job's charge counted as refundable), kept beside the counters; a user
// with no counter kept counts as being at the floor, and one returning to a queue where nobody else is active starts
// there. Idle users at or below the floor are let go, so the `counters` hash, read by every snapshot, holds the
// active users and those still ahead of the floor, not every user ever seen.
// Lua rather than TypeScript because each step must be atomic with the change that causes it: the floor is raised
// and idle users trimmed by the same script that ends a job (FINISH, PUT_BACK, UNQUEUE), and a returning user is
// lifted inside the script that enqueues their job (shared-enqueue.ts), before the job joins their list. A user is
// active while on `waiting` or owning a `dispatched` job; every write to either is one script or one MULTI, so a trim
// sees a user either idle with no lift yet (then forgets a counter the lift would not use) or active (and keeps it).
import type { SharedState } from './shared-state.js';

/** The keys every fairness script takes first, in this order (`FAIR_LOCALS` names them), each with its Redis type. */
const FAIR_KEYS = [
  ['counters', 'hash'],
  ['floor', 'string'],
  ['waiting', 'set'],
  ['dispatched', 'hash'],
  // Job id → what its claim charged: a refund can take back at most that much.
  ['charged', 'hash'],
] as const;

export function fairKeys(state: Pick<SharedState, 'key'>): string[] {
  return FAIR_KEYS.map(([name]) => state.key(name));
}

/** Each of `fairKeys`' Redis type, in their order: for a script that checks its keys before its first write. */
export const FAIR_KEY_TYPES: readonly string[] = FAIR_KEYS.map(([, type]) => type);

/** The Redis type of one fairness key, for a script that takes it among keys of its own and checks them first. */
export function fairKeyType(name: (typeof FAIR_KEYS)[number][0]): string {
  for (const [key, type] of FAIR_KEYS) if (key === name) return type;
  throw new Error(`no fairness key ${name}`);
}

/** How many keys `fairKeys` gives: a script's own keys follow them. */
export const FAIR_KEY_COUNT = FAIR_KEYS.length;

/**
 * Lua locals of the fairness keys and helpers. Counters are written with 17 digits, so each is the double that
 * local mode's own sums would give (HINCRBYFLOAT rounds through long double and Lua's tostring keeps 14 digits).
 */
export const FAIR_LOCALS = `
local counters, floorKey, waiting, dispatched, charged = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
-- A script's own keys follow: KEYS[FAIR + 1]…
local FAIR = ${FAIR_KEY_COUNT}
local function num(x) return string.format('%.17g', x) end
local floor = tonumber(redis.call('GET', floorKey)) or 0
local function counterOf(user) return tonumber(redis.call('HGET', counters, user)) or floor end
local function add(user, by) redis.call('HSET', counters, user, num(counterOf(user) + by)) end
local function activeUsers()
  local active = {}
  for _, user in ipairs(redis.call('SMEMBERS', waiting)) do active[user] = 0 end
  local out = redis.call('HGETALL', dispatched)
  for i = 1, #out, 2 do
    local user = out[i + 1]
    active[user] = (active[user] or 0) + (tonumber(redis.call('HGET', charged, out[i])) or 0)
  end
  return active
end
local function settle(leaving)
  local active = activeUsers()
  local low = nil
  for user, refundable in pairs(active) do
    local c = counterOf(user) - refundable
    if low == nil or c < low then low = c end
  end
  if leaving then
    local c = counterOf(leaving)
    if low == nil or c < low then low = c end
  end
  if low ~= nil and low > floor then
    floor = low
    redis.call('SET', floorKey, num(floor))
  end
  local kept = redis.call('HGETALL', counters)
  for i = 1, #kept, 2 do
    if active[kept[i]] == nil and tonumber(kept[i + 1]) <= floor then redis.call('HDEL', counters, kept[i]) end
  end
end`;

/**
 * KEYS: fairness. ARGV: user. A user with nothing waiting or handed out is lifted, as `liftReturningUser` does with
 * a floor: to the least counter among the active users, or the floor when nobody is active, never below their own.
 * Returns the counter set, or nil for an active user (their counter stays).
 */
export const LIFT = `${FAIR_LOCALS}
local user = ARGV[1]
local active = activeUsers()
if active[user] ~= nil then return nil end
local least = nil
for other in pairs(active) do
  local c = counterOf(other)
  if least == nil or c < least then least = c end
end
local lifted = math.max(counterOf(user), least or floor)
redis.call('HSET', counters, user, num(lifted))
return num(lifted)`;

/** KEYS: fairness. Raises the floor and trims, as after a job's end but with nobody leaving (a dispatcher's start). */
const SETTLE = `${FAIR_LOCALS}
settle(nil)
return num(floor)`;

/** Raises the floor and forgets idle users at or below it; returns the floor. */
export async function settleShared(state: Pick<SharedState, 'key' | 'redis'>): Promise<number> {
  return Number(await state.redis.eval(SETTLE, FAIR_KEY_COUNT, ...fairKeys(state)));
}

/**
 * The counters a scheduler reads on the shared queue: the mirror's, a pending submission's lift over them, and the
 * floor for a user with no counter kept (Redis charges such a user from the floor too).
 */
export function sharedCounters(
  counters: ReadonlyMap<string, number>,
  floor: number,
  pending?: ReadonlyMap<string, number>,
): { get(user: string): number } {
  return { get: (user) => pending?.get(user) ?? counters.get(user) ?? floor };
}
