// A shared queue's worker passes the engine's finishing report on (worker-batch.ts → wire → front-delivery.ts): the
// front-end hears the job's last step, then that its image is being finished, then done, as a single process does.
import { afterEach, describe, expect, it } from 'vitest';
import type { Owner } from '../../../src/jobs/types.js';
import { FinishingEngineDouble } from '../../doubles/finishing-engine.js';
import { type Cluster, skipWithoutRedis, startCluster, submitImagine, until } from './redis-harness.js';

const skip = await skipWithoutRedis();
const alice: Owner = { platform: 'discord', userId: 'alice' };

describe.skipIf(skip)('distributed queue: the finishing report', { timeout: 30_000 }, () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it('reaches the front-end between the last step and done', async () => {
    cluster = await startCluster({ frontEnds: 1, workers: 1, engine: () => new FinishingEngineDouble(5, 3) });
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const job = submitImagine(fe, alice, 'a fox');
    await until(
      () => fe.events.some((e) => e.job.id === job.id && e.type === 'done'),
      10_000,
      'the job to end',
    );
    const told = fe.events
      .filter((e) => e.job.id === job.id && (e.type === 'progress' || e.type === 'done'))
      .map((e) => (e.type === 'progress' ? `${e.phase ?? 'step'} ${e.step}/${e.total}` : e.type));
    expect(told).toEqual(['step 1/3', 'step 2/3', 'step 3/3', 'finishing 3/3', 'done']);
  });
});
