// Fair share with several machines: a job cancelled or failed part-way keeps only the share of its steps that ran
// of the charge its claim made, as in single-process mode (the apology's full refund is in kill.test.ts).
import { describe, expect, it } from 'vitest';
import type { Owner } from '../../../src/jobs/types.js';
import {
  type Cluster,
  clustersClosedAfterEach,
  counterOf,
  skipWithoutRedis,
  submitImagine,
  until,
} from './redis-harness.js';

const skip = await skipWithoutRedis();

const startCluster = clustersClosedAfterEach();

const submit = submitImagine;

describe.skipIf(skip)('distributed queue: refunds', () => {
  it('charges a job cancelled part-way only the share of its steps that ran', async () => {
    // 3 steps of 400 ms: the cancel lands while the second step runs.
    const cluster = await startCluster({ frontEnds: 1, workers: 1, msPerStep: 400 });
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const owner: Owner = { platform: 'discord', userId: 'canceller' };
    const job = submit(fe, owner, 'half a fox');
    await until(() => fe.events.some((e) => e.job.id === job.id && e.type === 'progress'), 10_000, 'a step');
    expect(fe.queue.cancel(job.id, owner)).toBe('cancelling');
    await until(() => fe.events.some((e) => e.job.id === job.id && e.type === 'cancelled'), 10_000, 'cancel');
    const steps = fe.events.flatMap((e) => (e.job.id === job.id && e.type === 'progress' ? [e] : []));
    const last = steps.at(-1);
    if (!last) throw new Error('no progress');
    const ran = last.step / last.total;
    expect(ran).toBeGreaterThan(0);
    expect(ran).toBeLessThan(1);
    expect(await counterOf(cluster.probe, owner)).toBeCloseTo(job.estimatedCost * ran, 6);
  });

  it('refunds the whole charge of a job that failed before its first step', async () => {
    const cluster = await startCluster({ frontEnds: 1, workers: 1 });
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const owner: Owner = { platform: 'discord', userId: 'unlucky' };
    const job = submit(fe, owner, 'boom');
    await until(() => fe.events.some((e) => e.job.id === job.id && e.type === 'failed'), 10_000, 'failure');
    expect(await counterOf(cluster.probe, owner)).toBeCloseTo(0, 6);
  });
});
