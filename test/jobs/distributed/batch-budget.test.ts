// The shared queue forms runs within the job timeout as one process does (test/jobs/batch-budget.test.ts): the
// dispatcher adds no member that would take the run's expected time past it, and front-ends plan the same runs for
// places and ETAs.
import { afterEach, describe, expect, it } from 'vitest';
import { estimateCost } from '../../../engine/index.js';
import { FrontPositions } from '../../../src/jobs/distributed/front-positions.js';
import { emptySnapshot, type Snapshot } from '../../../src/jobs/distributed/shared-snapshot.js';
import { JobEvents } from '../../../src/jobs/events.js';
import { FairScheduler } from '../../../src/jobs/scheduler.js';
import type { Owner } from '../../../src/jobs/types.js';
import { aJob } from '../../commands/job-fixture.js';
import { type Cluster, skipWithoutRedis, startCluster, submitImagine, until } from './redis-harness.js';

const skip = await skipWithoutRedis();
const LIMIT_MS = 1000;
const alice: Owner = { platform: 'discord', userId: 'alice' };
/** What the harness submits: a 256² imagine. */
const COST = estimateCost({ task: 'text_to_image', prompt: 'p', width: 256, height: 256 });
/** A measured pace at which each such job is expected to take 40 % of the timeout. */
const MS_PER_UNIT = (0.4 * LIMIT_MS) / COST;

describe('front-end places within the job timeout', () => {
  it('plans four same-shape jobs each 40 % of the timeout as two runs of two', () => {
    const mirror: Snapshot = {
      ...emptySnapshot(),
      liveWorkers: 1,
      maxBatch: 4,
      pace: { overall: MS_PER_UNIT, byType: new Map() },
      queued: ['a', 'b', 'c', 'd'].map((id, seq) =>
        aJob({ id, seq, owner: { platform: 'web', userId: id }, estimatedCost: COST }),
      ),
    };
    const positions = new FrontPositions({
      scheduler: new FairScheduler({ agingMs: 600_000, maxRunningPerUser: 1 }),
      events: new JobEvents(),
      mirror: () => mirror,
      counters: () => mirror.counters,
      queued: () => mirror.queued,
      expectedMs: (job) => job.estimatedCost * MS_PER_UNIT,
      jobTimeoutMs: LIMIT_MS,
      status: () => 'queued',
      get: (id) => mirror.queued.find((job) => job.id === id),
      now: () => 0,
    });
    const starts = positions
      .plan()
      .starts.map(({ job, ahead, etaMs, endMs }) => [job.id, ahead, etaMs, endMs]);
    expect(starts).toEqual([
      ['a', 0, 0, 800],
      ['b', 0, 0, 800],
      ['c', 2, 800, 1600],
      ['d', 2, 800, 1600],
    ]);
  });
});

describe.skipIf(skip)('distributed queue: batches within the job timeout', { timeout: 30_000 }, () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it('hands four same-shape jobs each 40 % of the timeout to a worker as two runs of two', async () => {
    cluster = await startCluster({
      frontEnds: 1,
      workers: 0,
      maxBatch: 4,
      limits: { maxRunningPerUser: 4, jobTimeoutMs: LIMIT_MS },
    });
    // Measured over many runs: the worker's own runs here barely move it.
    await cluster.probe.redis.hset(cluster.probe.key('calibration'), {
      msPerUnit: String(MS_PER_UNIT),
      samples: '20',
      'msPerUnit:text_to_image': String(MS_PER_UNIT),
      'samples:text_to_image': '20',
    });
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const jobs = ['a', 'b', 'c', 'd'].map((p) => submitImagine(fe, alice, p));
    await fe.queue.flush();
    const { engine } = await cluster.addWorker();
    await until(
      () => jobs.every((j) => fe.events.some((e) => e.job.id === j.id && e.type === 'done')),
      15_000,
      'all four',
    );
    expect(engine.batches).toEqual([2, 2]);
  });
});
