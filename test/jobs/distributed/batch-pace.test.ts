// The shared pace learnt from a batched run on a worker (worker-batch.ts): a member cancelled mid-run left the
// engine's batch at its next step, so the run is counted for the share of its steps that ran, not its whole cost.
import { afterEach, describe, expect, it } from 'vitest';
import type { Job, Owner } from '../../../src/jobs/types.js';
import { type Cluster, skipWithoutRedis, startCluster, submitImagine, until } from './redis-harness.js';

const skip = await skipWithoutRedis();
const alice: Owner = { platform: 'discord', userId: 'alice' };
const TERMINAL = new Set(['done', 'failed', 'cancelled']);

describe.skipIf(skip)(
  'distributed queue: pace of a batch with a cancelled member',
  { timeout: 30_000 },
  () => {
    let cluster: Cluster | undefined;
    afterEach(async () => {
      await cluster?.close();
      cluster = undefined;
    });

    it('counts the cancelled member only for the share of its steps that ran', async () => {
      // 3 steps of 100 ms: the cancel lands mid-run.
      cluster = await startCluster({
        frontEnds: 1,
        workers: 0,
        maxBatch: 3,
        msPerStep: 100,
        limits: { maxRunningPerUser: 3 },
      });
      const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
      const jobs = ['x', 'y', 'z'].map((p) => submitImagine(fe, alice, p));
      const [x, y, z] = jobs as [Job, Job, Job];
      await fe.queue.flush();
      const { engine } = await cluster.addWorker();
      await until(() => fe.events.some((e) => e.job.id === y.id && e.type === 'progress'), 10_000, 'a step');
      expect(fe.queue.cancel(y.id, alice)).toBe('cancelling');
      const ended = (j: Job) => fe.events.some((e) => e.job.id === j.id && TERMINAL.has(e.type));
      await until(() => jobs.every(ended), 10_000, 'the batch to end');
      expect(engine.batches).toEqual([3]);
      expect(fe.store.get(y.id)?.status).toBe('cancelled');
      const last = fe.events.filter((e) => e.job.id === y.id && e.type === 'progress').at(-1);
      if (last?.type !== 'progress') throw new Error('no progress');
      const ran = last.step / last.total;
      expect(ran).toBeLessThan(1);
      const done = fe.events.find((e) => e.job.id === x.id && e.type === 'done');
      const measuredMs = done?.job.measuredMs as number;
      // The run's first sample is its pace as measured: its time over what it really ran.
      const pace = Number(await cluster.probe.redis.hget(cluster.probe.key('calibration'), 'msPerUnit'));
      const ranCost = x.estimatedCost + z.estimatedCost + y.estimatedCost * ran;
      expect(Math.abs(pace * ranCost - measuredMs) / measuredMs).toBeLessThan(0.02);
    });
  },
);
