// Which workers are alive is decided by Redis's clock alone: a worker on a machine whose clock is 10 s behind (its
// heartbeat once expired before it was written) still gets jobs, and a worker that died without leaving is
// forgotten once its heartbeat runs out.
import { afterEach, describe, expect, it } from 'vitest';
import type { Owner } from '../../../src/jobs/types.js';
import { killChildren, spawnRole } from './children.js';
import { type Cluster, skipWithoutRedis, startCluster, uniquePrefix, until } from './redis-harness.js';

const skip = await skipWithoutRedis();
const owner: Owner = { platform: 'discord', userId: 'clock' };

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
    await until(() => fe.events.some((e) => e.job.id === result.job.id && e.type === 'done'), 15_000, 'done');
    expect(behind.runs).toEqual(['late clock']);
    expect(fe.queue.shared.liveWorkers).toBe(1);
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
