// Which workers are alive is decided by Redis's clock alone: a worker on a machine whose clock is 10 s behind (its
// heartbeat once expired before it was written) still gets jobs, and a worker that died without leaving is
// forgotten once its heartbeat runs out. Every shared stamp is Redis's time too (shared-clock.ts): a worker's
// startedAt (front-ends' ETAs) and a front-end's createdAt (the dispatcher's aging), whatever their machine's clock.
import { afterEach, describe, expect, it } from 'vitest';
import type { SharedState } from '../../../src/jobs/distributed/shared-state.js';
import type { Owner } from '../../../src/jobs/types.js';
import { killChildren, spawnRole } from './children.js';
import {
  type Cluster,
  eventually,
  skipWithoutRedis,
  startCluster,
  uniquePrefix,
  until,
} from './redis-harness.js';

const skip = await skipWithoutRedis();
const owner: Owner = { platform: 'discord', userId: 'clock' };

async function redisNow(state: SharedState): Promise<number> {
  const [seconds, micros] = await state.redis.time();
  return Number(seconds) * 1000 + Number(micros) / 1000;
}

let cluster: Cluster | undefined;

afterEach(async () => {
  killChildren();
  await cluster?.close();
  cluster = undefined;
});

describe.skipIf(skip)('distributed queue: workers by Redis’s clock', { timeout: 60_000 }, () => {
  it('dispatches to a worker whose clock is 10 s behind', async () => {
    const prefix = uniquePrefix();
    cluster = await startCluster({ frontEnds: 1, workers: 0, prefix });
    const behind = await spawnRole('worker', prefix, 20, -10_000);
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const result = fe.queue.submit({
      owner,
      scope: 'guild:1',
      kind: 'imagine',
      request: { task: 'text_to_image', prompt: 'late clock', width: 256, height: 256 },
    });
    if (!result.ok) throw new Error('refused');
    const submitted = await redisNow(cluster.probe);
    await until(() => fe.events.some((e) => e.job.id === result.job.id && e.type === 'done'), 15_000, 'done');
    const ended = await redisNow(cluster.probe);
    expect(behind.runs).toEqual(['late clock']);
    expect(fe.queue.shared.liveWorkers).toBe(1);
    // Stamped by the worker 10 s behind, on Redis's clock: a front-end's ETA of a run counts its elapsed time right.
    const done = fe.store.get(result.job.id);
    for (const stamp of [done?.startedAt, done?.finishedAt]) {
      expect(stamp).toBeGreaterThanOrEqual(submitted - 1000);
      expect(stamp).toBeLessThanOrEqual(ended + 1000);
    }
  });

  it('stamps a job submitted at a front-end 5 minutes ahead with Redis’s time, so it ages as any other', async () => {
    const prefix = uniquePrefix();
    cluster = await startCluster({ frontEnds: 0, workers: 0, prefix });
    const before = await redisNow(cluster.probe);
    const ahead = await spawnRole('frontend', prefix, 20, 5 * 60_000, 1, 2000, 'ahead of time');
    const after = await redisNow(cluster.probe);
    const id = ahead.submitted[0] as string;
    await eventually(async () => (await cluster?.probe.getJob(id)) !== undefined, 5000, 'the record');
    const job = await cluster.probe.getJob(id);
    // Its own clock said 5 minutes later: the dispatcher (on Redis's clock) would have aged it 5 minutes late.
    expect(job?.createdAt).toBeGreaterThanOrEqual(before - 1000);
    expect(job?.createdAt).toBeLessThanOrEqual(after + 1000);
  });

  it('forgets a worker whose heartbeat ran out', async () => {
    cluster = await startCluster({ frontEnds: 0, workers: 0 });
    const { probe } = cluster;
    await probe.heartbeat('gone-without-leaving', 200);
    expect((await probe.snapshot()).liveWorkers).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await probe.snapshot()).liveWorkers).toBe(0);
    expect(await probe.redis.zscore(probe.key('workers'), 'gone-without-leaving')).toBeNull();
  });
});
