// The shared queue forms runs within the job timeout as one process does (test/jobs/batch-budget.test.ts): the
// dispatcher adds no member that would take the run's expected time past its share of the timeout, judged on the
// measured pace as admission judges it, and within the shortest timeout a live worker arms (each advertises its own
// in its heartbeat); front-ends plan the same runs for places and ETAs.
import { describe, expect, it } from 'vitest';
import { estimateCost } from '../../../engine/index.js';
import { FrontPositions } from '../../../src/jobs/distributed/front-positions.js';
import { expectedMs, measuredMs, type SharedPace } from '../../../src/jobs/distributed/shared-pace.js';
import { emptySnapshot, runTimeoutMs, type Snapshot } from '../../../src/jobs/distributed/shared-snapshot.js';
import { JobEvents } from '../../../src/jobs/events.js';
import { FairScheduler } from '../../../src/jobs/scheduler.js';
import type { Owner } from '../../../src/jobs/types.js';
import { aJob } from '../../commands/job-fixture.js';
import {
  type Cluster,
  clustersClosedAfterEach,
  eventually,
  skipWithoutRedis,
  submitImagine,
  until,
} from './redis-harness.js';

const skip = await skipWithoutRedis();
const LIMIT_MS = 1000;
const alice: Owner = { platform: 'discord', userId: 'alice' };
/** What the harness submits: a 256² imagine. */
const COST = estimateCost({ task: 'text_to_image', prompt: 'p', width: 256, height: 256 });
/** A pace at which each such job is expected to take `share` of the timeout. */
const paceAt = (share: number) => (share * LIMIT_MS) / COST;

/** The run each of four same-shape jobs of four users is planned in, as [id, ahead, etaMs, endMs]. */
function planFour(pace: SharedPace, jobTimeoutMs: number, workers: Partial<Snapshot> = {}) {
  const mirror: Snapshot = {
    ...emptySnapshot(),
    liveWorkers: 1,
    maxBatch: 4,
    ...workers,
    pace,
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
    expectedMs: (job) => expectedMs(mirror.pace, job),
    measuredMs: (job) => measuredMs(mirror.pace, job),
    jobTimeoutMs,
    status: () => 'queued',
    cancelAsked: () => false,
    get: (id) => mirror.queued.find((job) => job.id === id),
    now: () => 0,
  });
  return positions.plan().starts.map(({ job, ahead, etaMs, endMs }) => [job.id, ahead, etaMs, endMs]);
}

const measured = (share: number): SharedPace => ({
  overall: paceAt(share),
  overallWarm: paceAt(share),
  byType: new Map(),
});
const TWO_RUNS_OF_TWO = [
  ['a', 0, 0, 700],
  ['b', 0, 0, 700],
  ['c', 2, 700, 1400],
  ['d', 2, 700, 1400],
];

describe('front-end places within the job timeout', () => {
  it('plans four same-shape jobs each 35 % of the timeout as two runs of two', () => {
    expect(planFour(measured(0.35), LIMIT_MS)).toEqual(TWO_RUNS_OF_TWO);
  });

  it('plans within the shortest timeout a live worker arms, not the front-end’s longer one', () => {
    expect(planFour(measured(0.35), 10 * LIMIT_MS, { workerTimeoutMs: LIMIT_MS })).toEqual(TWO_RUNS_OF_TWO);
    // A worker that advertised none (an older one) is taken to arm the front-end's.
    const untold = { workerTimeoutMs: 10 * LIMIT_MS, untimedWorkers: true };
    expect(planFour(measured(0.35), LIMIT_MS, untold)).toEqual(TWO_RUNS_OF_TWO);
  });

  it('plans one run on a type’s provisional pace, timed by it, as admission does not judge by it', () => {
    const pace: SharedPace = {
      overall: paceAt(0.1),
      overallWarm: paceAt(0.1),
      byType: new Map([['text_to_image', { msPerUnit: paceAt(0.45), samples: 0 }]]),
    };
    expect(planFour(pace, LIMIT_MS)).toEqual(['a', 'b', 'c', 'd'].map((id) => [id, 0, 0, 1800]));
  });

  it('takes the shortest advertised timeout, or the front-end’s where a worker told none', () => {
    expect(runTimeoutMs(emptySnapshot(), 60_000)).toBe(60_000);
    expect(runTimeoutMs({ workerTimeoutMs: 30_000, untimedWorkers: false }, 60_000)).toBe(30_000);
    expect(runTimeoutMs({ workerTimeoutMs: 90_000, untimedWorkers: false }, 60_000)).toBe(90_000);
    expect(runTimeoutMs({ workerTimeoutMs: 90_000, untimedWorkers: true }, 60_000)).toBe(60_000);
  });
});

describe.skipIf(skip)('distributed queue: batches within the job timeout', { timeout: 30_000 }, () => {
  const startCluster = clustersClosedAfterEach();

  /**
   * Four same-shape jobs submitted on a front-end whose job timeout is `frontEndMs`, the pace set as `calibration`,
   * then one worker arming `workerMs`; the batches it was handed once all four are done.
   */
  async function runFour(frontEndMs: number, workerMs: number, calibration: Record<string, string>) {
    const cluster = await startCluster({
      frontEnds: 1,
      workers: 0,
      maxBatch: 4,
      limits: { maxRunningPerUser: 4, jobTimeoutMs: frontEndMs },
    });
    // Measured over many runs: the worker's own runs here barely move it.
    await cluster.probe.redis.hset(cluster.probe.key('calibration'), calibration);
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const jobs = ['a', 'b', 'c', 'd'].map((p) => submitImagine(fe, alice, p));
    await fe.queue.flush();
    const { engine } = await cluster.addWorker(4, workerMs);
    await until(
      () => jobs.every((j) => fe.events.some((e) => e.job.id === j.id && e.type === 'done')),
      15_000,
      'all four',
    );
    return engine.batches;
  }

  const measuredAt = (share: number) => ({
    msPerUnit: String(paceAt(share)),
    samples: '20',
    'msPerUnit@warm': String(paceAt(share)),
    'samples@warm': '20',
    'msPerUnit:text_to_image': String(paceAt(share)),
    'samples:text_to_image': '20',
  });

  it('hands four same-shape jobs each 35 % of the timeout to a worker as two runs of two', async () => {
    expect(await runFour(LIMIT_MS, LIMIT_MS, measuredAt(0.35))).toEqual([2, 2]);
  });

  it('forms runs within the worker’s own shorter timeout, not the front-end’s', async () => {
    expect(await runFour(10 * LIMIT_MS, LIMIT_MS, measuredAt(0.35))).toEqual([2, 2]);
  });

  it('does not cut runs on a type’s provisional pace, as admission does not judge by it', async () => {
    const provisional = {
      ...measuredAt(0.1),
      'msPerUnit:text_to_image': String(paceAt(0.45)),
      'samples:text_to_image': '0',
    };
    expect(await runFour(LIMIT_MS, LIMIT_MS, provisional)).toEqual([4]);
  });

  /**
   * The jobs ahead of each of four same-shape jobs as a front-end (job timeout `frontEndMs`) plans them, with the
   * pace set as `calibration` and one live worker arming `workerMs`, busy with another job: the front-end's own
   * wiring of the budget, seen with the dispatcher unable to hand the four out meanwhile.
   */
  async function plannedAhead(frontEndMs: number, workerMs: number, calibration: Record<string, string>) {
    const cluster = await startCluster({
      frontEnds: 1,
      workers: 0,
      limits: { maxRunningPerUser: 4, jobTimeoutMs: frontEndMs },
    });
    const { probe } = cluster;
    await probe.redis.hset(probe.key('calibration'), calibration);
    // A worker alive by its heartbeat alone: the run handed to it stays handed out, holding it.
    await probe.heartbeat('busy', 20_000, 4, workerMs);
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const blocker = fe.queue.submit({
      owner: { platform: 'discord', userId: 'bob' },
      scope: 'guild:1',
      kind: 'imagine',
      request: { task: 'text_to_image', prompt: 'other shape', width: 128, height: 128 },
    });
    if (!blocker.ok) throw new Error('refused');
    await eventually(async () => (await probe.snapshot()).runs === 1, 5000, 'the blocker handed out');
    const jobs = ['a', 'b', 'c', 'd'].map((p) => submitImagine(fe, alice, p));
    await fe.queue.flush();
    await until(
      () => {
        const mirror = fe.queue.shared;
        return mirror.queued.length === 4 && mirror.runs === 1 && mirror.workerTimeoutMs === workerMs;
      },
      5000,
      'the mirror',
    );
    return jobs.map((j) => fe.queue.positionOf(j.id).ahead);
  }

  it('refuses up front a job the live workers’ shorter timeout would end, not only the front-end’s own', async () => {
    const cluster = await startCluster({
      frontEnds: 1,
      workers: 0,
      limits: { maxRunningPerUser: 4, jobTimeoutMs: 10 * LIMIT_MS },
    });
    const { probe } = cluster;
    // Each 256² job is measured at twice the worker's timeout, a fifth of the front-end's.
    await probe.redis.hset(probe.key('calibration'), measuredAt(2));
    await probe.heartbeat('short', 20_000, 4, LIMIT_MS);
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    // A small job, a change the front-end's mirror reads the worker's timeout with.
    const small = fe.queue.submit({
      owner: { platform: 'discord', userId: 'bob' },
      scope: 'guild:1',
      kind: 'imagine',
      request: { task: 'text_to_image', prompt: 'small', width: 64, height: 64 },
    });
    expect(small.ok).toBe(true);
    await fe.queue.flush();
    await until(() => fe.queue.shared.workerTimeoutMs === LIMIT_MS, 5000, 'the mirror');
    const refused = fe.queue.submit({
      owner: alice,
      scope: 'guild:1',
      kind: 'imagine',
      request: { task: 'text_to_image', prompt: 'p', width: 256, height: 256 },
    });
    expect(refused).toEqual({
      ok: false,
      refusal: { key: 'errors.queue.too_long', params: { expectedMs: 2 * LIMIT_MS, limitMs: LIMIT_MS } },
    });
  });

  it('plans the front-end’s places within the worker’s own shorter timeout', async () => {
    expect(await plannedAhead(10 * LIMIT_MS, LIMIT_MS, measuredAt(0.35))).toEqual([1, 1, 3, 3]);
  });

  it('plans the front-end’s places on the measured pace, not a provisional one', async () => {
    const provisional = {
      ...measuredAt(0.1),
      'msPerUnit:text_to_image': String(paceAt(0.45)),
      'samples:text_to_image': '0',
    };
    expect(await plannedAhead(LIMIT_MS, LIMIT_MS, provisional)).toEqual([1, 1, 1, 1]);
  });

  it('reads the shortest job timeout of the live workers, forgetting those gone', async () => {
    const cluster = await startCluster({ frontEnds: 0, workers: 0 });
    const { probe } = cluster;
    await probe.heartbeat('short', 200, 1, 20_000);
    await probe.heartbeat('long', 10_000, 4, 60_000);
    expect(await probe.snapshot()).toMatchObject({ workerTimeoutMs: 20_000, untimedWorkers: false });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await probe.snapshot()).toMatchObject({ workerTimeoutMs: 60_000, untimedWorkers: false });
    expect(await probe.redis.hget(probe.key('worker-timeout'), 'short')).toBeNull();
    // One from before workers advertised theirs.
    await probe.heartbeat('old', 10_000, 4);
    expect(await probe.snapshot()).toMatchObject({ workerTimeoutMs: 60_000, untimedWorkers: true });
    await probe.leaveWorkers('long');
    await probe.leaveWorkers('old');
    expect(await probe.redis.hlen(probe.key('worker-timeout'))).toBe(0);
    expect(await probe.snapshot()).toMatchObject({ workerTimeoutMs: undefined, untimedWorkers: false });
  });

  it('forgets a dead worker’s job timeout that an older release’s prune left behind (a rolling upgrade)', async () => {
    const cluster = await startCluster({ frontEnds: 0, workers: 0 });
    const { probe } = cluster;
    await probe.heartbeat('gone', 100, 4, 20_000);
    await probe.heartbeat('long', 10_000, 4, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The prune of a release from before workers advertised their timeouts: `workers` and max batches only.
    const olderPrune = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
if #dead > 0 then
  redis.call('ZREM', KEYS[1], unpack(dead))
  redis.call('HDEL', KEYS[2], unpack(dead))
end
return 1`;
    await probe.redis.eval(olderPrune, 2, probe.key('workers'), probe.key('worker-batch'));
    expect(await probe.redis.hget(probe.key('worker-timeout'), 'gone')).toBe('20000');
    expect(await probe.snapshot()).toMatchObject({ workerTimeoutMs: 60_000, untimedWorkers: false });
    expect(await probe.redis.hkeys(probe.key('worker-timeout'))).toEqual(['long']);
    // The same for a max batch left behind.
    await probe.redis.hset(probe.key('worker-batch'), 'stray', '2');
    await probe.heartbeat('long', 10_000, 4, 60_000);
    expect(await probe.redis.hkeys(probe.key('worker-batch'))).toEqual(['long']);
  });
});
