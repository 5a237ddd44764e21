// A run of batched jobs gives every member the whole job timeout from its start and takes about the sum of their
// expected times: no run is formed that would be expected past RUN_BUDGET_SHARE of the timeout (the first job always
// goes, admitted alone), judged on measured paces only (as admission: a type's provisional cold-run pace does not cut
// batches), and the places and ETAs (wait-plan.ts) plan the same runs the worker forms.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobEvent } from '../../src/jobs/events.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { type Candidate, FairScheduler } from '../../src/jobs/scheduler.js';
import { JobStore } from '../../src/jobs/store.js';
import type { Job, Owner } from '../../src/jobs/types.js';
import { planWaits, RUN_BUDGET_SHARE, runBudget } from '../../src/jobs/wait-plan.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';
import { queueLimits } from './queue-limits.js';

const LIMIT_MS = 1000;
const scheduler = new FairScheduler({ agingMs: 600_000, maxRunningPerUser: 1 });

/** Four jobs of four users, one batch key, each expected to take `share` of the limit (one cost unit a ms). */
function fourAt(share: number): Candidate[] {
  return ['a', 'b', 'c', 'd'].map((user, seq) => ({
    id: user,
    user,
    seq,
    cost: share * LIMIT_MS,
    priority: 'normal',
    createdAt: 0,
    batchKey: 'k',
  }));
}

function pick(queued: Candidate[], measuredMs: (c: Candidate) => number | undefined): string[] {
  const byId = new Map(queued.map((c) => [c.id, c]));
  const budget = runBudget(LIMIT_MS, (id) => byId.get(id), measuredMs);
  return scheduler.pickBatch(queued, new Map(), new Map(), 0, 4, budget).map((c) => c.id);
}

describe('batches within the job timeout', () => {
  it('stops adding members where the run would pass the limit, but always takes the first job', () => {
    expect(pick(fourAt(0.35), (c) => c.cost)).toEqual(['a', 'b']);
    // A job expected past the limit alone (admitted before the pace knew better) still runs, alone.
    expect(pick(fourAt(2), (c) => c.cost)).toEqual(['a']);
  });

  it('keeps a margin under the timeout: two jobs expected at 90 % of it together do not share a run', () => {
    expect(pick(fourAt(0.45), (c) => c.cost)).toEqual(['a']);
    // Within the margin they do.
    expect(pick(fourAt(0.39), (c) => c.cost)).toEqual(['a', 'b']);
    expect(RUN_BUDGET_SHARE).toBeLessThan(1);
  });

  it('does not judge a job with no measured pace, as admission does not', () => {
    expect(pick(fourAt(0.45), () => undefined)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('plans the same runs for places and ETAs: two runs of two, each ending after its own two jobs', () => {
    const queued = fourAt(0.35).map((candidate) => ({ job: candidate, candidate }));
    const { starts } = planWaits(scheduler, {
      queued,
      counters: new Map(),
      now: 0,
      running: [],
      workers: 1,
      maxBatch: 4,
      budget: { jobTimeoutMs: LIMIT_MS, measuredMs: (c) => c.cost },
      expectedMs: (c) => c.cost,
    });
    expect(starts.map(({ job, ahead, etaMs, endMs }) => [job.id, ahead, etaMs, endMs])).toEqual([
      ['a', 0, 0, 700],
      ['b', 0, 0, 700],
      ['c', 2, 700, 1400],
      ['d', 2, 700, 1400],
    ]);
  });

  it('plans one run on a provisional pace, timed by it: the budget judges the measured pace only', () => {
    const queued = fourAt(0.45).map((candidate) => ({ job: candidate, candidate }));
    const { starts } = planWaits(scheduler, {
      queued,
      counters: new Map(),
      now: 0,
      running: [],
      workers: 1,
      maxBatch: 4,
      budget: { jobTimeoutMs: LIMIT_MS, measuredMs: () => undefined },
      expectedMs: (c) => c.cost,
    });
    expect(starts.map(({ job, ahead, etaMs, endMs }) => [job.id, ahead, etaMs, endMs])).toEqual([
      ['a', 0, 0, 1800],
      ['b', 0, 0, 1800],
      ['c', 0, 0, 1800],
      ['d', 0, 0, 1800],
    ]);
  });
});

describe('the local queue’s batches within the job timeout', () => {
  const open: JobQueue[] = [];
  afterEach(async () => {
    for (const queue of open.splice(0)) await queue.stop({ waitMs: 2000 });
  });

  /**
   * Four same-shape jobs of four users, each expected at `share` of the timeout by the text-to-image pace, which has
   * `samples` runs behind it (0: provisional, a cold first run's; none: the type never ran, only the device's
   * measured pace says so); run to their end. Their places before the start,
   * the batches the engine got, and the time each run's start told its jobs.
   */
  async function runFour(share: number, samples: number | undefined) {
    const engine = new TimedEngineDouble(5, 3);
    const store = new JobStore(mkdtempSync(join(tmpdir(), 'dimoo-batch-budget-')));
    const request = { task: 'text_to_image' as const, prompt: 'a fox', width: 64, height: 64, steps: 64 };
    const msPerUnit = (share * LIMIT_MS) / engine.estimateCost(request);
    store.setCalibration('cpu', msPerUnit, 5);
    store.setCalibration('cpu#warm', msPerUnit, 5);
    // None: the type has no pace of its own yet, only the device's over the other types.
    if (samples !== undefined) store.setCalibration('cpu:text_to_image', msPerUnit, samples);
    const queue = new JobQueue({
      store,
      engine,
      limits: queueLimits({ jobTimeoutMs: LIMIT_MS }),
      maxBatch: 4,
    });
    open.push(queue);
    const events: JobEvent[] = [];
    queue.subscribe((event) => events.push(event));
    const owner = (userId: string): Owner => ({ platform: 'discord', userId });
    const jobs = ['a', 'b', 'c', 'd'].map((id) => {
      const result = queue.submit({ owner: owner(id), scope: 'guild:1', kind: 'imagine', request });
      if (!result.ok) throw new Error(`refused: ${result.refusal.key}`);
      return result.job;
    });
    const places = jobs.map((job) => queue.positionOf(job.id));
    queue.start();
    const deadline = Date.now() + 10_000;
    while (events.filter((e) => e.type === 'done').length < 4) {
      if (Date.now() > deadline) throw new Error('timed out waiting for the jobs to end');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(jobs.map((job) => (store.get(job.id) as Job).status)).toEqual(['done', 'done', 'done', 'done']);
    const told = events.flatMap((e) => (e.type === 'started' ? [e.etaMs] : []));
    return { places, batches: engine.batches, told };
  }

  it('runs four same-shape jobs each 35 % of the timeout as two runs of two, as their places said', async () => {
    const { places, batches, told } = await runFour(0.35, 5);
    expect(places).toEqual([
      { ahead: 0, etaMs: 0, endMs: 700 },
      { ahead: 0, etaMs: 0, endMs: 700 },
      { ahead: 2, etaMs: 700, endMs: 1400 },
      { ahead: 2, etaMs: 700, endMs: 1400 },
    ]);
    expect(batches).toEqual([2, 2]);
    // Each run's start tells its two jobs that run's time.
    expect(told).toEqual([700, 700, 700, 700]);
  });

  it('runs jobs each 45 % of the timeout one by one: two would fill 90 % of it, past the margin', async () => {
    const { places, told } = await runFour(0.45, 5);
    expect(places.map((p) => p.ahead)).toEqual([0, 1, 2, 3]);
    // The first two runs went alone, each told its own job's time (the double's real runs, far quicker, then
    // teach the pace a faster figure: what the later ones are told is not this test's).
    expect(told.slice(0, 2)).toEqual([450, 450]);
  });

  it('batches jobs on a provisional pace as admission judges them (not at all), timed by that pace', async () => {
    const { places, batches, told } = await runFour(0.45, 0);
    expect(places).toEqual(Array(4).fill({ ahead: 0, etaMs: 0, endMs: 1800 }));
    expect(batches).toEqual([4]);
    expect(told).toEqual([1800, 1800, 1800, 1800]);
  });

  it('judges a type that never ran by the device’s measured pace, as the shared queue does', async () => {
    // Four jobs each 45 % of the timeout by the device's pace: one by one, not one run of four at 180 %.
    const { places, told } = await runFour(0.45, undefined);
    expect(places.map((p) => p.ahead)).toEqual([0, 1, 2, 3]);
    // The first run went alone (what the double's quick run then teaches is not this test's).
    expect(told[0]).toBe(450);
  });
});
