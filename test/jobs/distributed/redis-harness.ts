// Tests of the distributed queue run against the real Redis service (REDIS_URL, default 127.0.0.1:6379). Each run
// uses its own key prefix and removes its keys afterwards, since several test runs share the server. Outside CI an
// unreachable Redis skips these tests with a message; in CI (CI=true) it fails them.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, ReplyError } from 'ioredis';
import { afterEach } from 'vitest';
import { FrontQueue, type FrontQueueOptions } from '../../../src/jobs/distributed/front-queue.js';
import { removeAllKeys, SharedState } from '../../../src/jobs/distributed/shared-state.js';
import { DistributedWorker, type DistributedWorkerOptions } from '../../../src/jobs/distributed/worker.js';
import type { JobEvent } from '../../../src/jobs/events.js';
import type { QueueLimits } from '../../../src/jobs/queue.js';
import { JobStore } from '../../../src/jobs/store.js';
import { type Job, type Owner, ownerKey } from '../../../src/jobs/types.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export async function redisReachable(url = REDIS_URL): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined); // the failed connect() answers
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/** `describe.skipIf` argument: true (skip) only outside CI; in CI the tests run and fail on the connection. */
export async function skipWithoutRedis(): Promise<boolean> {
  if (await redisReachable()) return false;
  if (process.env.CI === 'true') return false;
  process.stderr.write(
    `Redis is not reachable at ${REDIS_URL}: skipping the distributed queue tests (CI fails here).\n`,
  );
  return true;
}

export function uniquePrefix(): string {
  return `dimoo-test-${process.pid}-${randomUUID().slice(0, 8)}`;
}

export const LIMITS: QueueLimits = {
  maxPerUser: 1000,
  maxRunningPerUser: 1,
  maxPerScope: 1000,
  maxTotal: 1000,
  jobTimeoutMs: 60_000,
};

/** A front-end as `frontEndOnRedis` makes it: its queue, local store, the events it heard and its shared state. */
export interface FrontEndOnRedis {
  queue: FrontQueue;
  store: JobStore;
  events: JobEvent[];
  state: SharedState;
}

/**
 * A front-end over `state` (`npm start`'s half: no model, a `TimedEngineDouble` prices jobs), connected, recording
 * every event it hears; over a fresh store unless given one. Stopping it, and closing its store and state, are the
 * caller's: tests stop their parts in different orders.
 */
export async function frontEndOnRedis(
  state: SharedState,
  options: {
    /** Kept across a test's restarts of one front-end (a random one each time unless given). */
    id?: string;
    store?: JobStore;
    url?: string;
    limits?: Partial<QueueLimits>;
    leaseMs?: number;
    log?: FrontQueueOptions['log'];
  } = {},
): Promise<FrontEndOnRedis> {
  const store = options.store ?? new JobStore(mkdtempSync(join(tmpdir(), 'dimoo-fe-')));
  const queue = new FrontQueue({
    id: options.id,
    state,
    url: options.url ?? REDIS_URL,
    store,
    engine: new TimedEngineDouble(),
    limits: { ...LIMITS, ...options.limits },
    leaseMs: options.leaseMs ?? 1500,
    log: options.log,
  });
  const events: JobEvent[] = [];
  queue.subscribe((e) => events.push(e));
  await queue.connect();
  return { queue, store, events, state };
}

/** A started worker over `state` running `engine`, with a 4 s lock and the front-ends' job timeout unless given. */
export async function workerOnRedis(
  state: SharedState,
  engine: TimedEngineDouble,
  options: {
    url?: string;
    maxBatch?: number;
    jobTimeoutMs?: number;
    log?: DistributedWorkerOptions['log'];
    metrics?: DistributedWorkerOptions['metrics'];
  } = {},
): Promise<DistributedWorker> {
  const worker = new DistributedWorker({
    state,
    url: options.url ?? REDIS_URL,
    engine,
    maxBatch: options.maxBatch,
    jobTimeoutMs: options.jobTimeoutMs ?? LIMITS.jobTimeoutMs,
    lockMs: 4000,
    log: options.log,
    metrics: options.metrics,
  });
  await worker.start();
  return worker;
}

export interface Cluster {
  prefix: string;
  frontEnds: FrontEndOnRedis[];
  workers: Array<{ worker: DistributedWorker; engine: TimedEngineDouble }>;
  /** The test's own connection to the shared state, for reading keys. */
  probe: SharedState;
  /**
   * One more worker, as a machine joining later would (closed with the cluster); `maxBatch` as the cluster's, its
   * job timeout the front-ends' (`limits.jobTimeoutMs`) unless given.
   */
  addWorker(maxBatch?: number, jobTimeoutMs?: number): Promise<Cluster['workers'][number]>;
  close(): Promise<void>;
}

/**
 * `startCluster` for the tests of a file (or of the describe it is called in): the cluster a test started is closed
 * after it, also when the test failed on the way.
 */
export function clustersClosedAfterEach(): typeof startCluster {
  let started: Cluster | undefined;
  afterEach(async () => {
    await started?.close();
    started = undefined;
  });
  return async (options) => {
    started = await startCluster(options);
    return started;
  };
}

/** Front-ends and workers in this process, each with its own Redis connections, as separate machines would have. */
export async function startCluster(options: {
  frontEnds: number;
  workers: number;
  prefix?: string;
  msPerStep?: number;
  limits?: Partial<QueueLimits>;
  leaseMs?: number;
  url?: string;
  /** Each worker's max batch (1: one job at a time). */
  maxBatch?: number;
  /** Each worker's engine (a `TimedEngineDouble` of `msPerStep` and 3 steps unless given). */
  engine?: () => TimedEngineDouble;
  /** Every front-end's and worker's log. */
  log?: FrontQueueOptions['log'];
}): Promise<Cluster> {
  const prefix = options.prefix ?? uniquePrefix();
  const url = options.url ?? REDIS_URL;
  const probe = new SharedState(url, prefix);
  const states: SharedState[] = [probe];
  const frontEnds: Cluster['frontEnds'] = [];
  for (let i = 0; i < options.frontEnds; i++) {
    const state = new SharedState(url, prefix);
    states.push(state);
    frontEnds.push(
      await frontEndOnRedis(state, {
        url,
        limits: options.limits,
        leaseMs: options.leaseMs,
        log: options.log,
      }),
    );
  }
  const workers: Cluster['workers'] = [];
  const addWorker = async (
    maxBatch = options.maxBatch,
    jobTimeoutMs = { ...LIMITS, ...options.limits }.jobTimeoutMs,
  ) => {
    const state = new SharedState(url, prefix);
    states.push(state);
    const engine = options.engine?.() ?? new TimedEngineDouble(options.msPerStep ?? 5, 3);
    const worker = await workerOnRedis(state, engine, { url, maxBatch, jobTimeoutMs, log: options.log });
    const added = { worker, engine };
    workers.push(added);
    return added;
  };
  for (let i = 0; i < options.workers; i++) await addWorker();
  return {
    prefix,
    frontEnds,
    workers,
    probe,
    addWorker,
    async close() {
      await Promise.all(workers.map(({ worker }) => worker.close(5000)));
      await Promise.all(frontEnds.map(({ queue }) => queue.stop()));
      for (const { store } of frontEnds) store.close();
      await removeAllKeys(states[0]?.redis as Redis, prefix);
      await Promise.all(states.map((s) => s.close()));
    },
  };
}

/**
 * An owner's fairness counter in the shared state: the floor when none is kept (an idle user at or below it is let
 * go, and counts as being there).
 */
export async function counterOf(state: SharedState, owner: Owner): Promise<number> {
  const [kept, floor] = await Promise.all([
    state.redis.hget(state.key('counters'), ownerKey(owner)),
    state.redis.get(state.key('floor')),
  ]);
  return Number(kept ?? floor ?? 0);
}

/** Polls an async check until it holds (a change written just after the event a test waited for). */
export async function eventually(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A 256² imagine of `owner` in guild 1, submitted at `fe`; a refusal fails the test. */
export function submitImagine(fe: Cluster['frontEnds'][number], owner: Owner, prompt: string): Job {
  const result = fe.queue.submit({
    owner,
    scope: 'guild:1',
    kind: 'imagine',
    request: { task: 'text_to_image', prompt, width: 256, height: 256 },
  });
  if (!result.ok) throw new Error(`refused: ${result.refusal.key}`);
  return result.job;
}

/** The shared state's writes a test can have Redis refuse (`refuseWrite`). */
export type RefusableWrite = 'unqueue' | 'saveJob' | 'markCancelRequested' | 'frontEndOf' | 'enqueue';

/**
 * Test double: Redis answering an error reply (ioredis's ReplyError) to `method`, as one out of memory does: the
 * first `times` calls (Infinity: every one), or only those about job `jobId` when given (the job, or its id, is each
 * method's first argument).
 */
export function refuseWrite(
  state: SharedState,
  method: RefusableWrite,
  { times = Number.POSITIVE_INFINITY, jobId }: { times?: number; jobId?: string } = {},
): void {
  const real = state[method].bind(state) as (...args: unknown[]) => Promise<unknown>;
  let left = times;
  const about = (first: unknown) =>
    jobId === undefined || first === jobId || (first as { id?: unknown } | undefined)?.id === jobId;
  const refusing = async (...args: unknown[]) => {
    if (about(args[0]) && left-- > 0)
      throw new ReplyError("OOM command not allowed when used memory > 'maxmemory'.");
    return real(...args);
  };
  (state as unknown as Record<RefusableWrite, unknown>)[method] = refusing;
}
