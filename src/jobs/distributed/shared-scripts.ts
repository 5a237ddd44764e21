// Lua scripts of the shared state that end a job's turn with a worker or keep the worker pool, each one atomic so
// that an outcome, its refund and the freed slot are written together or not at all.
import { FAIR_LOCALS } from './shared-fairness.js';

/**
 * Redis's own clock in milliseconds: every machine's clock may be off, and a heartbeat judged by the writer's clock
 * and read by the dispatcher's would count a worker behind by the skew as dead, one ahead as alive after it died.
 */
export const REDIS_NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * `statusOf(record)`: a stored record's status, or nil when the record is none of ours (not JSON, not an object,
 * no status). A damaged or foreign record must not raise inside a script: the whole call would fail, and with it
 * the outcome of a job or the pause of a whole run.
 */
export const STATUS_OF = `
local function statusOf(record)
  local ok, decoded = pcall(cjson.decode, record)
  if not ok or type(decoded) ~= 'table' or type(decoded.status) ~= 'string' then return nil end
  return decoded.status
end`;

/**
 * KEYS: workers, their max batches, their job timeouts. Forgets workers whose heartbeat ran out (they died without
 * leaving), with what they advertised, so all three hold only live ones. What a worker advertised is dropped once
 * it is out of `workers`, whoever took it out: during a rolling upgrade an older release prunes `workers` and the
 * max batches only, and a dead worker's timeout would stay for good. A few fields a call: there are few workers.
 */
const PRUNE_WORKERS = `
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
if #dead > 0 then redis.call('ZREM', KEYS[1], unpack(dead)) end
for _, advertised in ipairs({ KEYS[2], KEYS[3] }) do
  for _, id in ipairs(redis.call('HKEYS', advertised)) do
    if not redis.call('ZSCORE', KEYS[1], id) then redis.call('HDEL', advertised, id) end
  end
end`;

/**
 * KEYS: workers, max batches, job timeouts. ARGV: worker id, ttl ms, max batch, job timeout ms. A worker is alive
 * until Redis's clock passes its score, takes runs of up to its max batch jobs, and gives each its job timeout.
 */
export const HEARTBEAT = `${REDIS_NOW}
${PRUNE_WORKERS}
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
if ARGV[4] then redis.call('HSET', KEYS[3], ARGV[1], ARGV[4]) end
return 1`;

/**
 * KEYS: workers, max batches, job timeouts. The number of workers alive by Redis's clock, the smallest max batch
 * among them (1 for a worker that advertised none), the smallest job timeout they advertised (0: none did), and 1
 * when some live worker advertised none (0 else): BullMQ hands a run to whichever worker asks first, so a run must
 * fit all.
 */
export const LIVE_WORKERS = `${REDIS_NOW}
${PRUNE_WORKERS}
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
local smallest = nil
local shortest = nil
local untold = 0
for _, id in ipairs(ids) do
  local max = tonumber(redis.call('HGET', KEYS[2], id)) or 1
  if smallest == nil or max < smallest then smallest = max end
  local timeout = tonumber(redis.call('HGET', KEYS[3], id))
  if timeout == nil then untold = 1
  elseif shortest == nil or timeout < shortest then shortest = timeout end
end
return { #ids, smallest or 1, shortest or 0, untold }`;

/**
 * KEYS: dispatched, run of each job. A job handed out before runs existed (a queue upgraded with jobs in flight)
 * becomes a run of its own id, the BullMQ id it was handed over under, so it holds a worker and is reconciled.
 */
export const ADOPT_RUNLESS = `
for _, id in ipairs(redis.call('HKEYS', KEYS[1])) do redis.call('HSETNX', KEYS[2], id, id) end
return 1`;

/**
 * KEYS: fairness (shared-fairness.ts), run of each job, then each job's owner's waiting list, then each job's hold
 * key. ARGV: run id, then id, owner key and cost of each job. Claims the jobs for one worker run: each one still
 * waiting (a cancel may have taken it first) and not held (an edit of its request is being handled,
 * shared-holds.ts) leaves its owner's list, is recorded as handed out in this run with what it was charged, and
 * charges its owner. Returns the ids claimed.
 */
export const CLAIM_RUN = `${FAIR_LOCALS}
local claimed = {}
local n = (#ARGV - 1) / 3
local first = FAIR + 2
for i = 0, n - 1 do
  local id, user, cost = ARGV[2 + i * 3], ARGV[3 + i * 3], ARGV[4 + i * 3]
  local wait = KEYS[first + i]
  if redis.call('EXISTS', KEYS[first + n + i]) == 0 and redis.call('ZREM', wait, id) == 1 then
    redis.call('HSET', dispatched, id, user)
    redis.call('HSET', charged, id, cost)
    add(user, tonumber(cost))
    if redis.call('ZCARD', wait) == 0 then redis.call('SREM', waiting, user) end
    redis.call('HSET', KEYS[FAIR + 1], id, ARGV[1])
    claimed[#claimed + 1] = id
  end
end
return claimed`;

/**
 * KEYS: fairness, job, run of each job. ARGV[1]: job id. The job leaves the workers and its run; the run's last
 * member leaving frees its worker slot (busy workers are counted by runs).
 */
const LEAVE = `
redis.call('HDEL', dispatched, ARGV[1])
redis.call('HDEL', charged, ARGV[1])
redis.call('HDEL', KEYS[FAIR + 2], ARGV[1])`;

/**
 * KEYS: fairness, job, run of each job. ARGV[1]: job id. A record already ended (another attempt, or the
 * dispatcher's apology, got there first) or gone keeps what it says: it only leaves its run, so an outcome and its
 * refund happen once. Its owner's leaving was counted by the script that ended it: counted again now, it could lift
 * the floor to a counter left long ago. A malformed record (damaged) has not ended: the worker's own copy of the job,
 * written over it, is the one its owner can be told.
 */
const UNLESS_ENDED = `${FAIR_LOCALS}
${STATUS_OF}
local current = redis.call('GET', KEYS[FAIR + 1])
local ended = current == false
if not ended then
  local status = statusOf(current)
  ended = status == 'done' or status == 'failed' or status == 'cancelled'
end
if ended then
  ${LEAVE}
  settle(nil)
  return 0
end`;

/**
 * KEYS: fairness, job, run of each job. ARGV: job id, ended record, owner key, refund (≤ 0), record ttl s. Records
 * a dispatched job's outcome, takes it out of its run, gives its owner back the part of the charge it did not use,
 * and settles the fair share (the owner may have left).
 */
export const FINISH = `${UNLESS_ENDED}
redis.call('SET', KEYS[FAIR + 1], ARGV[2], 'EX', ARGV[5])
${LEAVE}
if tonumber(ARGV[4]) ~= 0 then add(ARGV[3], tonumber(ARGV[4])) end
settle(ARGV[3])
return 1`;

/**
 * KEYS: fairness, job, run of each job, owner's waiting list. ARGV: job id, queued record, owner key, refund (≤ 0),
 * seq. A job stopped by its worker's shutdown goes back as it was before its claim: on its owner's list in its
 * place, out of its run, its charge refunded.
 */
export const PUT_BACK = `${UNLESS_ENDED}
redis.call('SET', KEYS[FAIR + 1], ARGV[2])
${LEAVE}
add(ARGV[3], tonumber(ARGV[4]))
redis.call('ZADD', KEYS[FAIR + 3], ARGV[5], ARGV[1])
redis.call('SADD', waiting, ARGV[3])
settle(ARGV[3])
return 1`;

/**
 * KEYS: fairness, the owner's waiting list. ARGV: job id, owner key. Takes a waiting job out of its owner's list (a
 * cancel) and settles the fair share; 0 when a worker already has it.
 */
export const UNQUEUE = `${FAIR_LOCALS}
local wait = KEYS[FAIR + 1]
if redis.call('ZREM', wait, ARGV[1]) == 0 then return 0 end
if redis.call('ZCARD', wait) == 0 then redis.call('SREM', waiting, ARGV[2]) end
settle(ARGV[2])
return 1`;
