// Which worker runs each run, and whether it still answers, so that the owners of a job whose worker was killed
// (kill -9, a crash, a lost machine) hear it within a heartbeat's expiry instead of when BullMQ's stalled check
// retries the run 15–30 s later, their status frozen until then. A worker's `alive` key is apart from the pool's
// heartbeat: a worker stopping cleanly leaves the pool at once but keeps answering while it finishes or puts back
// its run, which tells its owners itself (worker-batch.ts putBack).
import { STATUS_OF } from './shared-scripts.js';
import type { SharedState } from './shared-state.js';

/** How often a worker says it is alive; what it says lasts `HEARTBEAT_TTL_MS` (Redis's clock: a key's PX). */
export const HEARTBEAT_MS = 2000;
export const HEARTBEAT_TTL_MS = HEARTBEAT_MS * 3;

/**
 * KEYS: runners, the worker's alive key, run of each job, owners, then each member's job record. ARGV: run,
 * worker, the prefix of the front-ends' event channels, then the members' ids. Once per run and lost worker (the
 * entry goes, until that worker, back at its run, names itself again): each member still in the run whose record says it started gets `paused` on its owner's channel.
 * Published here, in the same step as the checks, so that a retry that takes the run over first (its `runners`
 * entry written before its `started`) is never followed by a stale pause. The record goes as it is: still handed
 * out, so a cancel from the paused message reaches the retry.
 */
const ANNOUNCE_LOST = `${STATUS_OF}
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return {} end
if redis.call('EXISTS', KEYS[2]) == 1 then return {} end
redis.call('HDEL', KEYS[1], ARGV[1])
local told = {}
for i = 4, #ARGV do
  local id = ARGV[i]
  local record = redis.call('GET', KEYS[i + 1])
  if record and redis.call('HGET', KEYS[3], id) == ARGV[1] and statusOf(record) == 'running' then
    local frontEnd = redis.call('HGET', KEYS[4], id)
    if frontEnd then
      redis.call('PUBLISH', ARGV[3] .. frontEnd,
        '{"type":"paused","restarts":true,"reason":"worker_lost","job":' .. record .. '}')
      told[#told + 1] = id
    end
  end
end
return told`;

/** KEYS: runners. ARGV: run, worker. The entry goes only if it is still this worker's. */
const LEAVE_RUN = `
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0`;

function aliveKey(state: SharedState, workerId: string): string {
  return state.key('alive', workerId);
}

export async function markAlive(state: SharedState, workerId: string): Promise<void> {
  await state.redis.set(aliveKey(state, workerId), '1', 'PX', HEARTBEAT_TTL_MS);
}

/**
 * A worker starts a try of `run`. Only a try that a stall would retry is recorded: after the last one BullMQ fails
 * the run and its owners get the apology instead, so "it starts again" would be false.
 */
export async function takeRun(
  state: SharedState,
  run: string,
  workerId: string,
  retried: boolean,
): Promise<void> {
  if (retried) await state.redis.hset(state.key('runners'), run, workerId);
  else await state.redis.hdel(state.key('runners'), run);
}

export async function leaveRun(state: SharedState, run: string, workerId: string): Promise<void> {
  await state.redis.eval(LEAVE_RUN, 1, state.key('runners'), run, workerId);
}

/**
 * The dispatcher's check: tells the owners of started jobs in runs whose worker no longer answers, and forgets
 * entries of runs that are over (a worker killed between its run's end and its own cleanup). Returns the job ids
 * whose owners were told.
 */
export async function announceLostRunners(state: SharedState): Promise<string[]> {
  // Read before the runs: a run is in `run-of` before any worker can take it, so one missing there is over.
  const runners = Object.entries(await state.redis.hgetall(state.key('runners')));
  if (runners.length === 0) return [];
  const workers = [...new Set(runners.map(([, worker]) => worker))];
  const answers = await Promise.all(workers.map((w) => state.redis.exists(aliveKey(state, w))));
  const dead = new Set(workers.filter((_, i) => answers[i] === 0));
  const runs = await state.runs();
  const told: string[] = [];
  for (const [run, worker] of runners) {
    const ids = runs.get(run);
    if (!ids) await leaveRun(state, run, worker);
    else if (dead.has(worker)) told.push(...(await announce(state, run, worker, ids)));
  }
  return told;
}

async function announce(state: SharedState, run: string, worker: string, ids: string[]): Promise<string[]> {
  const keys = [
    state.key('runners'),
    aliveKey(state, worker),
    state.key('run-of'),
    state.key('owners'),
    ...ids.map((id) => state.key('job', id)),
  ];
  const args = [run, worker, state.channel('events:'), ...ids];
  return (await state.redis.eval(ANNOUNCE_LOST, keys.length, ...keys, ...args)) as string[];
}
