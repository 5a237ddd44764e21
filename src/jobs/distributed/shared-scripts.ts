// Lua scripts of the shared state that end a job's turn with a worker or keep the worker pool, each one atomic so
// that an outcome, its refund and the freed slot are written together or not at all.

/**
 * Redis's own clock in milliseconds: every machine's clock may be off, and a heartbeat judged by the writer's clock
 * and read by the dispatcher's would count a worker behind by the skew as dead, one ahead as alive after it died.
 */
export const REDIS_NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** Forgets workers whose heartbeat ran out (they died without leaving), so the set holds only live ones. */
const PRUNE_WORKERS = `redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)`;

/** KEYS: workers. ARGV: worker id, ttl ms. A worker is alive until Redis's clock passes its score. */
export const HEARTBEAT = `${REDIS_NOW}
${PRUNE_WORKERS}
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
return 1`;

/** KEYS: workers. The number of workers alive by Redis's clock. */
export const LIVE_WORKERS = `${REDIS_NOW}
${PRUNE_WORKERS}
return redis.call('ZCARD', KEYS[1])`;

/**
 * KEYS: job, dispatched. ARGV[1]: job id. A record already ended (another attempt, or the dispatcher's apology, got
 * there first) or gone keeps what it says: only its slot is freed, so an outcome and its refund happen once.
 */
const UNLESS_ENDED = `
local current = redis.call('GET', KEYS[1])
local ended = current == false
if not ended then
  local status = cjson.decode(current).status
  ended = status == 'done' or status == 'failed' or status == 'cancelled'
end
if ended then
  redis.call('HDEL', KEYS[2], ARGV[1])
  return 0
end`;

/**
 * KEYS: job, dispatched, counters. ARGV: job id, ended record, owner key, refund (≤ 0), record ttl s. Records a
 * dispatched job's outcome, frees its worker slot and gives its owner back the part of the charge it did not use.
 */
export const FINISH = `${UNLESS_ENDED}
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[5])
redis.call('HDEL', KEYS[2], ARGV[1])
if tonumber(ARGV[4]) ~= 0 then redis.call('HINCRBYFLOAT', KEYS[3], ARGV[3], ARGV[4]) end
return 1`;

/**
 * KEYS: job, dispatched, counters, owner's waiting list, waiting users. ARGV: job id, queued record, owner key,
 * refund (≤ 0), seq. A job stopped by its worker's shutdown goes back as it was before its claim: on its owner's
 * list in its place, its slot free, its charge refunded.
 */
export const PUT_BACK = `${UNLESS_ENDED}
redis.call('SET', KEYS[1], ARGV[2])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HINCRBYFLOAT', KEYS[3], ARGV[3], ARGV[4])
redis.call('ZADD', KEYS[4], ARGV[5], ARGV[1])
redis.call('SADD', KEYS[5], ARGV[3])
return 1`;
