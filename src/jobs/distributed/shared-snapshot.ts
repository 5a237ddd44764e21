// One read of the shared state for scheduling and ETAs: the waiting jobs (every user's list, in submission order),
// which of them are held, the fairness counters, the runs the workers have, the live workers and the measured pace.
// Read with plain commands, not one script: a snapshot only plans, and every claim made from it is checked again
// atomically by the script that makes it (CLAIM_RUN).
import type { Job } from '../types.js';
import { emptyPace, paceFrom, type SharedPace } from './shared-pace.js';
import { LIVE_WORKERS } from './shared-scripts.js';
import type { SharedState } from './shared-state.js';

export interface Snapshot {
  queued: Job[];
  /** The waiting jobs held for the submission that replaces them (shared-holds.ts): not to be handed out. */
  held: Set<string>;
  /** The counters kept: active users' and idle ones above `floor` (shared-fairness.ts). */
  counters: Map<string, number>;
  /** Where a user with no counter kept stands. */
  floor: number;
  /** Job id → owner key of every job handed to a worker and not yet finished. */
  dispatched: Map<string, string>;
  /** Worker runs (one BullMQ job each, one or several jobs batched) not yet over: each holds one worker. */
  runs: number;
  /** Those runs' jobs as their records say (a run no worker has started yet has no `startedAt`): for ETAs. */
  running: Array<{ jobs: Job[]; startedAt?: number }>;
  liveWorkers: number;
  /** The smallest max batch the live workers advertise: any of them may take the next run. */
  maxBatch: number;
  /**
   * The shortest job timeout the live workers advertise (each arms its own, config.queue.jobTimeoutMs), undefined
   * while none has; `untimedWorkers`: some live worker advertised none (one from before they did). See `runTimeoutMs`.
   */
  workerTimeoutMs: number | undefined;
  untimedWorkers: boolean;
  /** The workers' measured pace, overall and per job type (shared-pace.ts). */
  pace: SharedPace;
}

/** The shared state before it was first read: empty, one job per run. */
export function emptySnapshot(): Snapshot {
  return {
    queued: [],
    held: new Set(),
    counters: new Map(),
    floor: 0,
    dispatched: new Map(),
    runs: 0,
    running: [],
    liveWorkers: 0,
    maxBatch: 1,
    workerTimeoutMs: undefined,
    untimedWorkers: false,
    pace: emptyPace(),
  };
}

/**
 * The job timeout runs are formed within: the shortest any live worker arms, as any of them may take the next run.
 * A worker that advertised none is taken to arm this front-end's own (`ownMs`, JOB_TIMEOUT_S), as is the pool while
 * none is alive: a run formed within a longer one than its worker's would time out all its members at once.
 */
export function runTimeoutMs(
  snap: Pick<Snapshot, 'workerTimeoutMs' | 'untimedWorkers'>,
  ownMs: number,
): number {
  if (snap.workerTimeoutMs === undefined) return ownMs;
  return snap.untimedWorkers ? Math.min(snap.workerTimeoutMs, ownMs) : snap.workerTimeoutMs;
}

export async function readSnapshot(
  state: Pick<SharedState, 'redis' | 'key' | 'parseJob'>,
): Promise<Snapshot> {
  const { redis } = state;
  const workerKeys = ['workers', 'worker-batch', 'worker-timeout'].map((name) => state.key(name));
  const [users, counters, floor, dispatched, runOf, live, calibration] = await Promise.all([
    redis.smembers(state.key('waiting')),
    redis.hgetall(state.key('counters')),
    redis.get(state.key('floor')),
    redis.hgetall(state.key('dispatched')),
    redis.hgetall(state.key('run-of')),
    redis.eval(LIVE_WORKERS, workerKeys.length, ...workerKeys) as Promise<[number, number, number, number]>,
    redis.hgetall(state.key('calibration')),
  ]);
  const [liveWorkers, maxBatch, workerTimeoutMs, untimed] = live;
  const ids = (await Promise.all(users.map((u) => redis.zrange(state.key('wait', u), '0', '-1')))).flat();
  // MGET refuses an empty list.
  const values = async (keys: string[]): Promise<Array<string | null>> =>
    keys.length > 0 ? redis.mget(keys) : [];
  const [bodies, holds, runBodies] = await Promise.all([
    values(ids.map((id) => state.key('job', id))),
    values(ids.map((id) => state.key('hold', id))),
    values(Object.keys(runOf).map((id) => state.key('job', id))),
  ]);
  // A record that is none of ours is skipped (and reported once): one bad key must not stop every snapshot, and
  // with it the dispatcher and every front-end's view.
  const queued = bodies
    .flatMap((b, i) => (b === null ? [] : (state.parseJob(b, state.key('job', ids[i] as string)) ?? [])))
    .sort((a, b) => a.seq - b.seq);
  return {
    queued,
    held: new Set(ids.filter((_, i) => holds[i] !== null)),
    counters: new Map(Object.entries(counters).map(([u, c]) => [u, Number(c)])),
    floor: Number(floor ?? 0),
    dispatched: new Map(Object.entries(dispatched)),
    runs: new Set(Object.values(runOf)).size,
    running: runsOf(state, runOf, runBodies),
    liveWorkers,
    maxBatch,
    workerTimeoutMs: workerTimeoutMs > 0 ? workerTimeoutMs : undefined,
    untimedWorkers: untimed === 1,
    pace: paceFrom(calibration),
  };
}

/** Each run's job records, and when its first job started (none yet: not started). */
function runsOf(
  state: Pick<SharedState, 'key' | 'parseJob'>,
  runOf: Record<string, string>,
  bodies: Array<string | null>,
): Snapshot['running'] {
  const runs = new Map<string, Job[]>();
  Object.entries(runOf).forEach(([id, run], i) => {
    const body = bodies[i];
    const job = body ? state.parseJob(body, state.key('job', id)) : undefined;
    if (job) runs.set(run, [...(runs.get(run) ?? []), job]);
  });
  return [...runs.values()].map((jobs) => {
    const started = jobs.flatMap((job) => (job.startedAt === undefined ? [] : [job.startedAt]));
    return { jobs, startedAt: started.length > 0 ? Math.min(...started) : undefined };
  });
}
