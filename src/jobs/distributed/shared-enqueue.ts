// A submission's write to Redis, as one script so that it applies once. ioredis resends a command whose reply the
// connection lost (`autoResendUnfulfilledCommands`): a MULTI resent ran whole again, and its replacement then found
// the held jobs already gone and said it cancelled none (their owners never heard). The script stores what it did
// under the job's `enqueued` key first thing in its reply; run again, it returns that and changes nothing.
import type { Job } from '../types.js';
import { ownerKey } from '../types.js';
import { FAIR_KEY_COUNT, FAIR_KEY_TYPES, fairKeys, fairKeyType, LIFT } from './shared-fairness.js';
import { type HeldJob, luaList, REPLACE, type Replaced } from './shared-holds.js';
import type { SharedState } from './shared-state.js';

/**
 * ENQUEUE's keys' Redis types up to its files (a file is a `string`): the fairness keys', then its own five, the last
 * of which is the fairness key of the waiting users again.
 */
const KINDS = [...FAIR_KEY_TYPES, 'string', 'string', 'hash', 'zset', fairKeyType('waiting')];

/**
 * KEYS: fairness, then the job's `enqueued` key, record, owners, its owner's waiting list, waiting users, its files,
 * then REPLACE's keys. ARGV: file count, held count, ttl s, record, id, front-end, seq, owner key, the files' bytes,
 * then REPLACE's args. LIFT and REPLACE run unchanged, their KEYS and ARGV shadowed by a function's parameters. A
 * failed REPLACE is returned as a third entry, not raised: the job is stored all the same (a script is never undone).
 * An error reply writes nothing: the keys' types are checked before the first write.
 */
const ENQUEUE = `
local function lift(KEYS, ARGV) ${LIFT} end
local function replace(KEYS, ARGV) ${REPLACE} end
local function slice(t, from, to)
  local out = {}
  for i = from, to do out[#out + 1] = t[i] end
  return out
end
local F = ${FAIR_KEY_COUNT}
local done = redis.call('GET', KEYS[F + 1])
if done then return cjson.decode(done) end
local files, held, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
-- Every key written below is checked first: a script is never undone, and a WRONGTYPE met midway (a key another
-- program wrote under our prefix) would leave the record and files of a job its owner is told was not queued.
local kinds = { ${luaList(KINDS)} }
for i = 1, F + 6 + files - 1 do
  local kind = redis.call('TYPE', KEYS[i]).ok
  if kind ~= 'none' and kind ~= (kinds[i] or 'string') then
    return redis.error_reply('WRONGTYPE ' .. KEYS[i] .. ' holds a ' .. kind .. ', not a ' .. (kinds[i] or 'string'))
  end
end
local id, user = ARGV[5], ARGV[8]
for i = 1, files do redis.call('SET', KEYS[F + 6 + i - 1], ARGV[8 + i], 'EX', ttl) end
redis.call('SET', KEYS[F + 2], ARGV[4])
redis.call('HSET', KEYS[F + 3], id, ARGV[6])
if held == 0 then lift(slice(KEYS, 1, F), { user }) end
redis.call('ZADD', KEYS[F + 4], ARGV[7], id)
redis.call('SADD', KEYS[F + 5], user)
local result = { {}, {} }
if held > 0 then
  local ok, out = pcall(replace, slice(KEYS, F + 6 + files, #KEYS), slice(ARGV, 9 + files, #ARGV))
  if ok then result = out else result = { {}, {}, tostring(out) } end
end
redis.call('SET', KEYS[F + 1], cjson.encode(result), 'EX', ttl)
return result`;

/**
 * Writes `job` (with its files) to Redis for its owner's waiting list, cancelling the held jobs it replaces, once:
 * run again for the same job, it returns what the first run did.
 */
export async function enqueueOnce(
  state: Pick<SharedState, 'key' | 'redis'>,
  job: Job,
  files: Record<string, Uint8Array>,
  frontEnd: string,
  replaces: readonly HeldJob[],
  ttlS: number,
  onError: (error: Error) => void,
): Promise<Replaced> {
  const user = ownerKey(job.owner);
  const names = Object.keys(files);
  const keys = [
    ...fairKeys(state),
    state.key('enqueued', job.id),
    state.key('job', job.id),
    state.key('owners'),
    state.key('wait', user),
    state.key('waiting'),
    ...names.map((name) => state.key('file', job.id, name)),
    // REPLACE's own keys and args, as its header says.
    state.key('waiting'),
    state.key('dispatched'),
  ];
  const args: Array<string | Buffer> = [String(names.length), String(replaces.length), String(ttlS)];
  args.push(JSON.stringify(job), job.id, frontEnd, String(job.seq), user);
  args.push(...names.map((name) => Buffer.from(files[name] as Uint8Array)));
  args.push(String(ttlS));
  for (const { job: old, hold } of replaces) {
    const owner = ownerKey(old.owner);
    keys.push(state.key('wait', owner), state.key('hold', old.id), state.key('job', old.id));
    keys.push(state.key('cancel', old.id));
    args.push(old.id, owner, hold, JSON.stringify(old));
  }
  const reply = (await state.redis.eval(ENQUEUE, keys.length, ...keys, ...args)) as [
    string[],
    string[],
    string?,
  ];
  const [cancelled, flagged, failed] = reply;
  if (failed !== undefined) onError(new Error(`cancelling the jobs a submission replaces failed: ${failed}`));
  return {
    cancelled: replaces.map((h) => h.job).filter((old) => cancelled.includes(old.id)),
    flagged,
  };
}
