// kill -9 of processes on the real Redis: a worker mid-job (the job re-runs once on the other worker; when the
// retry's worker dies too, the owner gets the apology), and the dispatcher (another front-end takes over in < 10 s).
import { describe, expect, it } from 'vitest';
import type { Owner } from '../../../src/jobs/types.js';
import { clustersWithChildrenClosedAfterEach, killHard, spawnRole } from './children.js';
import { type Cluster, counterOf, skipWithoutRedis, uniquePrefix, until } from './redis-harness.js';

const skip = await skipWithoutRedis();
const owner: Owner = { platform: 'discord', userId: 'killer' };

const startCluster = clustersWithChildrenClosedAfterEach();

// Child processes start slowly on a busy machine: each case has room.
describe.skipIf(skip)('distributed queue: kill -9', { timeout: 120_000 }, () => {
  it('re-runs a job once on the other worker when its worker dies mid-job', async () => {
    const prefix = uniquePrefix();
    const cluster = await startCluster({ frontEnds: 1, workers: 0, prefix });
    const a = await spawnRole('worker', prefix);
    const b = await spawnRole('worker', prefix);
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const result = fe.queue.submit({
      owner,
      scope: 'guild:1',
      kind: 'imagine',
      request: { task: 'text_to_image', prompt: 'victim', width: 256, height: 256 },
    });
    if (!result.ok) throw new Error('refused');
    const id = result.job.id;
    await until(() => fe.events.some((e) => e.job.id === id && e.type === 'progress'), 20_000, 'progress');
    const [first, second] = a.runs.includes('victim') ? [a, b] : [b, a];
    killHard(first);
    await until(
      () => fe.events.some((e) => e.job.id === id && ['done', 'failed'].includes(e.type)),
      25_000,
      'the retry to finish',
    );
    expect(fe.events.filter((e) => e.job.id === id).at(-1)?.type).toBe('done');
    expect(first.runs).toEqual(['victim']);
    expect(second.runs).toEqual(['victim']);
    expect(fe.store.get(id)?.attempts).toBe(2);
    expect(fe.store.readFile(id, 'result.png').length).toBeGreaterThan(0);
    // Charged once for the one result, as single-process recovery refunds the interrupted run and charges the retry.
    expect(await counterOf(cluster.probe, owner)).toBeCloseTo(result.job.estimatedCost, 6);
  });

  it('apologizes when the retry’s worker dies too', async () => {
    const prefix = uniquePrefix();
    const cluster = await startCluster({ frontEnds: 1, workers: 0, prefix });
    // Slow steps: each run lasts longer than starting the next worker process takes.
    const a = await spawnRole('worker', prefix, 2500);
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const result = fe.queue.submit({
      owner,
      scope: 'guild:1',
      kind: 'imagine',
      request: { task: 'text_to_image', prompt: 'doomed', width: 256, height: 256 },
    });
    if (!result.ok) throw new Error('refused');
    const id = result.job.id;
    await until(() => a.runs.includes('doomed'), 20_000, 'the first run');
    const b = await spawnRole('worker', prefix, 2500);
    killHard(a);
    await until(() => b.runs.includes('doomed'), 25_000, 'the retry');
    // The last try is not recorded as a run that a lost worker's owners would be told starts again.
    expect(await cluster.probe.redis.hlen(cluster.probe.key('runners'))).toBe(0);
    const c = await spawnRole('worker', prefix);
    killHard(b);
    await until(
      () => fe.events.some((e) => e.job.id === id && ['done', 'failed'].includes(e.type)),
      25_000,
      'the apology',
    );
    const last = fe.events.filter((e) => e.job.id === id).at(-1);
    expect(last?.type).toBe('failed');
    // The bot went on; its workers stopped: not the single-process wording of a bot restarting twice.
    expect(last?.job.error?.key).toBe('errors.job.worker_lost');
    // The retry was the last try: "it starts again" would have been false after its worker's death.
    const types = fe.events.filter((e) => e.job.id === id).map((e) => e.type);
    expect(types.slice(types.lastIndexOf('started'))).not.toContain('paused');
    expect(c.runs).toEqual([]);
    // Both runs were interrupted and delivered nothing: the whole charge is refunded.
    expect(await counterOf(cluster.probe, owner)).toBeCloseTo(0, 6);
  });

  it('hands dispatching to another front-end within 10 s of the dispatcher’s kill -9', async () => {
    const prefix = uniquePrefix();
    const leader = await spawnRole('frontend', prefix);
    const cluster = await startCluster({ frontEnds: 1, workers: 1, prefix, leaseMs: 5000 });
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    expect(fe.queue.dispatcher.isLeader).toBe(false);
    const killedAt = Date.now();
    killHard(leader);
    await until(() => fe.queue.dispatcher.isLeader, 10_000, 'the takeover');
    const takeoverMs = Date.now() - killedAt;
    expect(takeoverMs).toBeLessThan(10_000);
    const result = fe.queue.submit({
      owner,
      scope: 'guild:1',
      kind: 'imagine',
      request: { task: 'text_to_image', prompt: 'after', width: 256, height: 256 },
    });
    if (!result.ok) throw new Error('refused');
    await until(() => fe.events.some((e) => e.job.id === result.job.id && e.type === 'done'), 15_000, 'done');
  });
});
