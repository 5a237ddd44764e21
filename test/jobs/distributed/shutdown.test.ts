// A worker stopped (SIGTERM) with a job still running past its grace puts the job back as it was before its claim:
// on its owner's waiting list, its slot free, its charge refunded, its attempt not counted. The next worker runs it
// as a first try, so BullMQ's one retry is still there for a real crash.
import { afterEach, describe, expect, it } from 'vitest';
import type { Job, Owner } from '../../../src/jobs/types.js';
import { ownerKey } from '../../../src/jobs/types.js';
import { type Cluster, counterOf, skipWithoutRedis, startCluster, until } from './redis-harness.js';

const skip = await skipWithoutRedis();
const owner: Owner = { platform: 'discord', userId: 'patient' };

let cluster: Cluster | undefined;

afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

describe.skipIf(skip)('distributed queue: worker shutdown', () => {
  it('puts a job running past the grace back for the next worker, attempt and charge undone', async () => {
    // 3 steps of 500 ms: the job is mid-run when the 100 ms grace ends.
    cluster = await startCluster({ frontEnds: 1, workers: 1, msPerStep: 500 });
    const { probe } = cluster;
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const first = cluster.workers[0] as Cluster['workers'][number];
    const result = fe.queue.submit({
      owner,
      scope: 'guild:1',
      kind: 'imagine',
      request: { task: 'text_to_image', prompt: 'interrupted', width: 256, height: 256 },
    });
    if (!result.ok) throw new Error('refused');
    const id = result.job.id;
    await until(() => fe.events.some((e) => e.job.id === id && e.type === 'progress'), 10_000, 'a step');

    await first.worker.close(100);
    const record = (await probe.getJob(id)) as Job;
    expect(record.status).toBe('queued');
    expect(record.attempts).toBe(0);
    expect(record.startedAt).toBeUndefined();
    const user = ownerKey(owner);
    expect(await probe.redis.zscore(probe.key('wait', user), id)).toBe(String(record.seq));
    expect(await probe.redis.sismember(probe.key('waiting'), user)).toBe(1);
    expect(await probe.redis.hget(probe.key('dispatched'), id)).toBeNull();
    expect(await counterOf(probe, owner)).toBeCloseTo(0, 6);

    const second = await cluster.addWorker();
    await until(() => fe.events.some((e) => e.job.id === id && e.type === 'done'), 15_000, 'the re-run');
    expect(second.engine.started).toHaveLength(1);
    expect(fe.store.get(id)?.attempts).toBe(1);
    expect(await counterOf(probe, owner)).toBeCloseTo(result.job.estimatedCost, 6);
  });
});
