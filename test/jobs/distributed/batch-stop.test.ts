// A batch's run ends early as a whole: a worker's shutdown puts every job of it back as it was before its claim,
// and a worker killed mid-run has the run retried once elsewhere, then each job's owner gets the apology.
import { describe, expect, it } from 'vitest';
import type { Job, Owner } from '../../../src/jobs/types.js';
import { ownerKey } from '../../../src/jobs/types.js';
import { clustersWithChildrenClosedAfterEach, killHard, spawnRole } from './children.js';
import {
  type Cluster,
  counterOf,
  skipWithoutRedis,
  submitImagine,
  uniquePrefix,
  until,
} from './redis-harness.js';

const skip = await skipWithoutRedis();
const owner: Owner = { platform: 'discord', userId: 'batcher' };
const TERMINAL = new Set(['done', 'failed', 'cancelled']);

const startCluster = clustersWithChildrenClosedAfterEach();

function submitThree(fe: Cluster['frontEnds'][number]): Job[] {
  return ['one', 'two', 'three'].map((prompt) => submitImagine(fe, owner, prompt));
}

const ended = (fe: Cluster['frontEnds'][number], id: string) =>
  fe.events.some((e) => e.job.id === id && TERMINAL.has(e.type));

describe.skipIf(skip)('distributed queue: a batch stopped', { timeout: 120_000 }, () => {
  it('puts every job of a run back when its worker shuts down past the grace', async () => {
    // 3 steps of 500 ms: the run is mid-way when the 100 ms grace ends.
    const cluster = await startCluster({
      frontEnds: 1,
      workers: 0,
      maxBatch: 3,
      msPerStep: 500,
      limits: { maxRunningPerUser: 3 },
    });
    const { probe } = cluster;
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const jobs = submitThree(fe);
    await fe.queue.flush();
    const first = await cluster.addWorker();
    await until(
      () => jobs.every((j) => fe.events.some((e) => e.job.id === j.id && e.type === 'progress')),
      10_000,
      'a step',
    );
    expect(first.engine.batches).toEqual([3]);

    await first.worker.close(100);
    const user = ownerKey(owner);
    for (const job of jobs) {
      const record = (await probe.getJob(job.id)) as Job;
      expect(record.status).toBe('queued');
      expect(record.attempts).toBe(0);
      expect(await probe.redis.zscore(probe.key('wait', user), job.id)).toBe(String(record.seq));
    }
    expect(await probe.redis.hlen(probe.key('dispatched'))).toBe(0);
    expect(await probe.runs()).toEqual(new Map());
    expect(await counterOf(probe, owner)).toBeCloseTo(0, 6);

    const second = await cluster.addWorker();
    await until(() => jobs.every((j) => ended(fe, j.id)), 15_000, 'the re-run');
    expect(second.engine.batches).toEqual([3]);
    expect(jobs.map((j) => fe.store.get(j.id)?.status)).toEqual(['done', 'done', 'done']);
    expect(jobs.map((j) => fe.store.get(j.id)?.attempts)).toEqual([1, 1, 1]);
  });

  it('retries a killed worker’s run once, then apologizes to every job of it', async () => {
    const prefix = uniquePrefix();
    const cluster = await startCluster({
      frontEnds: 1,
      workers: 0,
      prefix,
      limits: { maxRunningPerUser: 3 },
    });
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const jobs = submitThree(fe);
    await fe.queue.flush();
    // Slow steps: each run lasts longer than starting the next worker process takes.
    const a = await spawnRole('worker', prefix, 2500, 0, 3);
    await until(() => a.runs.length === 3, 20_000, 'the first run');
    const b = await spawnRole('worker', prefix, 2500, 0, 3);
    killHard(a);
    await until(() => b.runs.length === 3, 25_000, 'the retry');
    const c = await spawnRole('worker', prefix, 300, 0, 3);
    killHard(b);
    await until(() => jobs.every((j) => ended(fe, j.id)), 25_000, 'the apologies');

    expect(a.runs).toEqual(['one', 'two', 'three']);
    expect(b.runs).toEqual(['one', 'two', 'three']);
    expect(c.runs).toEqual([]);
    for (const job of jobs) {
      const last = fe.events.filter((e) => e.job.id === job.id).at(-1);
      expect(last?.type).toBe('failed');
      expect(last?.job.error?.key).toBe('errors.job.worker_lost');
      // Each job ran twice: the first try and BullMQ's one retry of the run.
      expect(last?.job.attempts).toBe(2);
    }
    expect(await counterOf(cluster.probe, owner)).toBeCloseTo(0, 6);
    expect(await cluster.probe.runs()).toEqual(new Map());
  });
});
