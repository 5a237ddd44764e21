// Which workers are alive is decided by Redis's clock alone: a worker on a machine whose clock is 10 s behind (its
// heartbeat once expired before it was written) still gets jobs, and a worker that died without leaving is
// forgotten once its heartbeat runs out. Every shared stamp is Redis's time too (shared-clock.ts): a worker's
// startedAt (front-ends' ETAs) and a front-end's createdAt (the dispatcher's aging), whatever their machine's clock.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { FrontQueue } from '../../../src/jobs/distributed/front-queue.js';
import { removeAllKeys, SharedState } from '../../../src/jobs/distributed/shared-state.js';
import { JobStore } from '../../../src/jobs/store.js';
import type { Owner } from '../../../src/jobs/types.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { clustersWithChildrenClosedAfterEach, spawnRole } from './children.js';
import {
  type Cluster,
  eventually,
  LIMITS,
  REDIS_URL,
  skipWithoutRedis,
  uniquePrefix,
  until,
} from './redis-harness.js';

const skip = await skipWithoutRedis();
const owner: Owner = { platform: 'discord', userId: 'clock' };

async function redisNow(state: SharedState): Promise<number> {
  const [seconds, micros] = await state.redis.time();
  return Number(seconds) * 1000 + Number(micros) / 1000;
}

const startCluster = clustersWithChildrenClosedAfterEach();

describe.skipIf(skip)('distributed queue: workers by Redis’s clock', { timeout: 60_000 }, () => {
  it('dispatches to a worker whose clock is 10 s behind', async () => {
    const prefix = uniquePrefix();
    const cluster = await startCluster({ frontEnds: 1, workers: 0, prefix });
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
    const cluster = await startCluster({ frontEnds: 0, workers: 0, prefix });
    const before = await redisNow(cluster.probe);
    const ahead = await spawnRole('frontend', prefix, 20, 5 * 60_000, 1, 2000, 'ahead of time');
    const after = await redisNow(cluster.probe);
    const id = ahead.submitted[0] as string;
    await eventually(async () => (await cluster.probe.getJob(id)) !== undefined, 5000, 'the record');
    const job = await cluster.probe.getJob(id);
    // Its own clock said 5 minutes later: the dispatcher (on Redis's clock) would have aged it 5 minutes late.
    expect(job?.createdAt).toBeGreaterThanOrEqual(before - 1000);
    expect(job?.createdAt).toBeLessThanOrEqual(after + 1000);
  });

  it('forgets a worker whose heartbeat ran out', async () => {
    const cluster = await startCluster({ frontEnds: 0, workers: 0 });
    const { probe } = cluster;
    await probe.heartbeat('gone-without-leaving', 200);
    expect((await probe.snapshot()).liveWorkers).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await probe.snapshot()).liveWorkers).toBe(0);
    expect(await probe.redis.zscore(probe.key('workers'), 'gone-without-leaving')).toBeNull();
  });
});

describe.skipIf(skip)('a front-end’s clock is Redis’s', { timeout: 30_000 }, () => {
  it('reads Redis’s time on a machine whose clock is 5 minutes ahead, the time its jobs are stamped with', async () => {
    // This process's clock (`Date.now`, as child-role.ts skews a child's), not only the shared state's reading of it.
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 5 * 60_000);
    const prefix = uniquePrefix();
    const state = new SharedState(REDIS_URL, prefix);
    const store = new JobStore(mkdtempSync(join(tmpdir(), 'dimoo-fe-clock-')));
    const queue = new FrontQueue({
      state,
      url: REDIS_URL,
      store,
      engine: new TimedEngineDouble(),
      limits: LIMITS,
    });
    onTestFinished(async () => {
      vi.restoreAllMocks();
      await queue.stop();
      store.close();
      await removeAllKeys(state.redis, prefix);
      await state.close();
    });
    await queue.connect();
    const before = await redisNow(state);
    const now = queue.now();
    const submitted = queue.submit({
      owner,
      scope: 'guild:1',
      kind: 'imagine',
      request: { task: 'text_to_image', prompt: 'skewed front-end', width: 256, height: 256 },
    });
    const after = await redisNow(state);
    expect(now).toBeGreaterThanOrEqual(before - 50);
    expect(now).toBeLessThanOrEqual(after + 50);
    // The clock a job's age is read on is the one it was stamped with (the adapters' status tracker, /queue).
    if (!submitted.ok) throw new Error('refused');
    expect(submitted.job.createdAt).toBeGreaterThanOrEqual(before - 50);
    expect(submitted.job.createdAt).toBeLessThanOrEqual(after + 50);
  });
});
