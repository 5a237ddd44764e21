// A shared queue's worker passes the engine's finishing report on (worker-batch.ts → wire → front-delivery.ts): the
// front-end hears the job's last step, then that its image is being finished, then done, as a single process does.
// The worker's step-time metric times steps only: the finishing report is no step.
import { afterEach, describe, expect, it } from 'vitest';
import { SharedState } from '../../../src/jobs/distributed/shared-state.js';
import type { Owner } from '../../../src/jobs/types.js';
import { FinishingEngineDouble } from '../../doubles/finishing-engine.js';
import {
  type Cluster,
  REDIS_URL,
  skipWithoutRedis,
  startCluster,
  submitImagine,
  until,
  workerOnRedis,
} from './redis-harness.js';

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

  it('is not timed as a step by the worker’s metrics', async () => {
    cluster = await startCluster({ frontEnds: 1, workers: 0 });
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const state = new SharedState(REDIS_URL, cluster.prefix);
    const steps: number[] = [];
    const worker = await workerOnRedis(state, new FinishingEngineDouble(5, 3), {
      metrics: { step: (ms) => void steps.push(ms) },
    });
    try {
      const job = submitImagine(fe, alice, 'a fox');
      await until(
        () => fe.events.some((e) => e.job.id === job.id && e.type === 'done'),
        10_000,
        'the job to end',
      );
      // Its finishing report was heard, yet three steps timed, as the engine ran three.
      expect(
        fe.events.some((e) => e.job.id === job.id && e.type === 'progress' && e.phase === 'finishing'),
      ).toBe(true);
      expect(steps).toHaveLength(3);
    } finally {
      await worker.close(5000);
      await state.close();
    }
  });
});
