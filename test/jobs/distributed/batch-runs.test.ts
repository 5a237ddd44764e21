// The bookkeeping of runs: a worker runs only the jobs still in the run it was handed (a stale run, its job put
// back and claimed in another run since, runs nothing), a job handed out before runs existed still runs, and a
// worker that died without leaving is forgotten with the max batch it advertised.
import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunData, WORK_QUEUE, workQueueOptions } from '../../../src/jobs/distributed/dispatcher.js';
import { SharedState } from '../../../src/jobs/distributed/shared-state.js';
import { DistributedWorker } from '../../../src/jobs/distributed/worker.js';
import type { Job, Owner } from '../../../src/jobs/types.js';
import { ownerKey } from '../../../src/jobs/types.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import {
  type Cluster,
  eventually,
  REDIS_URL,
  skipWithoutRedis,
  startCluster,
  submitImagine,
  until,
} from './redis-harness.js';

const skip = await skipWithoutRedis();
const owner: Owner = { platform: 'discord', userId: 'runner' };

let cluster: Cluster | undefined;

afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

describe.skipIf(skip)('distributed queue: runs', () => {
  it('runs a job once when a stale run still names it', async () => {
    // 3 steps of 300 ms: both runs are taken before either ends.
    cluster = await startCluster({ frontEnds: 1, workers: 0, msPerStep: 300 });
    const { probe } = cluster;
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const { id } = submitImagine(fe, owner, 'once');
    await fe.queue.flush();
    // A run whose worker left without completing it (past its abort wait), its job put back and claimed again.
    expect(await probe.claimRun('stale', [(await probe.getJob(id)) as Job])).toEqual([id]);
    const work = new Queue(WORK_QUEUE, workQueueOptions(REDIS_URL, cluster.prefix));
    await work.add('run', { run: 'stale', ids: [id] } satisfies RunData, { jobId: 'stale' });
    await work.close();
    expect(await probe.putBack((await probe.getJob(id)) as Job)).toBe(true);
    expect(await probe.claimRun('fresh', [(await probe.getJob(id)) as Job])).toEqual([id]);

    const workers = await Promise.all([cluster.addWorker(), cluster.addWorker()]);
    await until(() => fe.events.some((e) => e.job.id === id && e.type === 'done'), 10_000, 'done');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(workers.reduce((n, { engine }) => n + engine.started.length, 0)).toBe(1);
    expect(await probe.runs()).toEqual(new Map());
  });

  it('runs a job handed out before runs existed, as a run of its own', async () => {
    cluster = await startCluster({ frontEnds: 1, workers: 0 });
    const { probe } = cluster;
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const { id } = submitImagine(fe, owner, 'old');
    await fe.queue.flush();
    // What a version without runs left: its hand-over (the job's own id, its id alone for data) and its claim (off
    // the waiting list, marked dispatched, no run).
    const work = new Queue(WORK_QUEUE, workQueueOptions(REDIS_URL, cluster.prefix));
    await work.add('run', { id }, { jobId: id });
    await work.close();
    const user = ownerKey(owner);
    await probe.redis.zrem(probe.key('wait', user), id);
    await probe.redis.srem(probe.key('waiting'), user);
    await probe.redis.hset(probe.key('dispatched'), id, user);
    await eventually(async () => (await probe.runs()).has(id), 5000, 'the dispatcher to make it a run');

    const { engine } = await cluster.addWorker();
    await until(() => fe.events.some((e) => e.job.id === id && e.type === 'done'), 10_000, 'done');
    expect(engine.started).toHaveLength(1);
    expect((await probe.dispatched()).size).toBe(0);
    expect(await probe.runs()).toEqual(new Map());
  });

  it('times each engine step of a batch once, not once per job', async () => {
    cluster = await startCluster({ frontEnds: 1, workers: 0, limits: { maxRunningPerUser: 3 } });
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const jobs = ['s1', 's2', 's3'].map((prompt) => submitImagine(fe, owner, prompt));
    await fe.queue.flush();
    const steps: number[] = [];
    const busy: boolean[] = [];
    const state = new SharedState(REDIS_URL, cluster.prefix);
    const engine = new TimedEngineDouble(5, 3);
    const worker = new DistributedWorker({
      state,
      url: REDIS_URL,
      engine,
      maxBatch: 3,
      jobTimeoutMs: 60_000,
      metrics: { step: (ms) => steps.push(ms), busy: (b) => busy.push(b) },
    });
    await worker.start();
    try {
      await until(
        () => jobs.every((j) => fe.events.some((e) => e.job.id === j.id && e.type === 'done')),
        10_000,
        'done',
      );
    } finally {
      await worker.close(1000);
      await state.close();
    }
    expect(engine.batches).toEqual([3]);
    expect(steps).toHaveLength(3);
    expect(busy).toEqual([true, false]);
  });

  it('forgets the max batch of a worker whose heartbeat ran out', async () => {
    cluster = await startCluster({ frontEnds: 0, workers: 0 });
    const { probe } = cluster;
    await probe.heartbeat('narrow', 200, 1);
    await probe.heartbeat('wide', 10_000, 4);
    expect((await probe.snapshot()).maxBatch).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const snap = await probe.snapshot();
    expect(snap.liveWorkers).toBe(1);
    expect(snap.maxBatch).toBe(4);
    expect(await probe.redis.hget(probe.key('worker-batch'), 'narrow')).toBeNull();
    await probe.leaveWorkers('wide');
    expect(await probe.redis.hlen(probe.key('worker-batch'))).toBe(0);
  });
});
