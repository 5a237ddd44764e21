// A run of batched jobs gives every member the whole job timeout from its start and takes about the sum of their
// expected times: no run is formed that would pass the timeout (the first job always goes, admitted alone), and the
// places and ETAs (wait-plan.ts) plan the same runs the worker forms.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobEvent } from '../../src/jobs/events.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { type Candidate, FairScheduler } from '../../src/jobs/scheduler.js';
import { JobStore } from '../../src/jobs/store.js';
import type { Job, Owner } from '../../src/jobs/types.js';
import { planWaits, runBudget } from '../../src/jobs/wait-plan.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';
import { queueLimits } from './queue-limits.js';

const LIMIT_MS = 1000;
const scheduler = new FairScheduler({ agingMs: 600_000, maxRunningPerUser: 1 });

/** Four jobs of four users, one batch key, each expected to take 40 % of the limit (one cost unit a millisecond). */
function fourAtFortyPercent(): Candidate[] {
  return ['a', 'b', 'c', 'd'].map((user, seq) => ({
    id: user,
    user,
    seq,
    cost: 0.4 * LIMIT_MS,
    priority: 'normal',
    createdAt: 0,
    batchKey: 'k',
  }));
}

describe('batches within the job timeout', () => {
  it('stops adding members where the run would pass the limit, but always takes the first job', () => {
    const queued = fourAtFortyPercent();
    const byId = new Map(queued.map((c) => [c.id, c]));
    const budget = runBudget(
      LIMIT_MS,
      (id) => byId.get(id),
      (c) => c.cost,
    );
    const pick = (b: typeof budget) =>
      scheduler.pickBatch(queued, new Map(), new Map(), 0, 4, b).map((c) => c.id);
    expect(pick(budget)).toEqual(['a', 'b']);
    // No measured pace yet: nothing to judge by, as admission does not judge.
    expect(pick(undefined)).toEqual(['a', 'b', 'c', 'd']);
    // A job expected past the limit alone (admitted before the pace knew better) still runs, alone.
    const long = runBudget(
      LIMIT_MS,
      () => ({ cost: 2 * LIMIT_MS }),
      (c) => c.cost,
    );
    expect(pick(long)).toEqual(['a']);
  });

  it('plans the same runs for places and ETAs: two runs of two, each ending after its own two jobs', () => {
    const queued = fourAtFortyPercent().map((candidate) => ({ job: candidate, candidate }));
    const { starts } = planWaits(scheduler, {
      queued,
      counters: new Map(),
      now: 0,
      running: [],
      workers: 1,
      maxBatch: 4,
      limitMs: LIMIT_MS,
      expectedMs: (c) => c.cost,
    });
    expect(starts.map(({ job, ahead, etaMs, endMs }) => [job.id, ahead, etaMs, endMs])).toEqual([
      ['a', 0, 0, 800],
      ['b', 0, 0, 800],
      ['c', 2, 800, 1600],
      ['d', 2, 800, 1600],
    ]);
  });
});

describe('the local queue’s batches within the job timeout', () => {
  const open: JobQueue[] = [];
  afterEach(async () => {
    for (const queue of open.splice(0)) await queue.stop({ waitMs: 2000 });
  });

  it('runs four same-shape jobs each 40 % of the timeout as two runs of two, as their places said', async () => {
    const engine = new TimedEngineDouble(5, 3);
    const store = new JobStore(mkdtempSync(join(tmpdir(), 'dimoo-batch-budget-')));
    const request = { task: 'text_to_image' as const, prompt: 'a fox', width: 64, height: 64, steps: 64 };
    // A measured pace at which each job is expected to take 400 ms of the 1000 ms timeout.
    const msPerUnit = (0.4 * LIMIT_MS) / engine.estimateCost(request);
    store.setCalibration('cpu', msPerUnit, 5);
    store.setCalibration('cpu:text_to_image', msPerUnit, 5);
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
    expect(jobs.map((job) => queue.positionOf(job.id))).toEqual([
      { ahead: 0, etaMs: 0, endMs: 800 },
      { ahead: 0, etaMs: 0, endMs: 800 },
      { ahead: 2, etaMs: 800, endMs: 1600 },
      { ahead: 2, etaMs: 800, endMs: 1600 },
    ]);
    queue.start();
    const deadline = Date.now() + 10_000;
    while (events.filter((e) => e.type === 'done').length < 4) {
      if (Date.now() > deadline) throw new Error('timed out waiting for the jobs to end');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(engine.batches).toEqual([2, 2]);
    // Each run's start tells its two jobs that run's time.
    const told = events.flatMap((e) => (e.type === 'started' ? [[e.job.id, e.etaMs]] : []));
    expect(told).toEqual([
      [jobs[0]?.id, 800],
      [jobs[1]?.id, 800],
      [jobs[2]?.id, 800],
      [jobs[3]?.id, 800],
    ]);
    expect(jobs.map((job) => (store.get(job.id) as Job).status)).toEqual(['done', 'done', 'done', 'done']);
  });
});
