// Where waiting jobs stand (wait-plan.ts, the one dry run behind both queues' places and ETAs): runs formed as the
// worker forms them, each on the first worker free after the runs in hand, every job of a run ending with it.
import { describe, expect, it } from 'vitest';
import { type Candidate, FairScheduler } from '../../src/jobs/scheduler.js';
import { placeIn, planWaits, type WaitPlanInput } from '../../src/jobs/wait-plan.js';

const scheduler = new FairScheduler({ agingMs: 600_000, maxRunningPerUser: 1 });

/** A waiting job of `user` costing `ms` (one unit a millisecond), in submission order, of batch key `key`. */
function waiting(list: Array<[user: string, ms: number, key: string]>): WaitPlanInput<Candidate>['queued'] {
  return list.map(([user, ms, key], seq) => {
    const candidate: Candidate = {
      id: `${user}${seq}`,
      user,
      seq,
      cost: ms,
      priority: 'normal',
      createdAt: 0,
      batchKey: key,
    };
    return { job: candidate, candidate };
  });
}

function planned(input: Partial<WaitPlanInput<Candidate>> & Pick<WaitPlanInput<Candidate>, 'queued'>) {
  return planWaits(scheduler, {
    counters: new Map(),
    now: 10_000,
    running: [],
    workers: 1,
    maxBatch: 1,
    expectedMs: (c) => c.cost,
    ...input,
  });
}

function plan(input: Parameters<typeof planned>[0]) {
  return planned(input).starts.map(({ job, ahead, etaMs }) => [job.id, ahead, etaMs]);
}

describe('wait plan', () => {
  it('one worker, no batching: the fair order, each after the running job’s time left and those before it', () => {
    const running = [{ jobs: [{ cost: 5000 } as Candidate], startedAt: 8000 }];
    const queued = waiting([
      ['a', 1000, 'k'],
      ['a', 1000, 'k'],
      ['b', 300, 'k'],
    ]);
    // b's first job comes before a's second (fair share); 3000 ms of the running job are left.
    expect(plan({ queued, running })).toEqual([
      ['a0', 1, 3000],
      ['b2', 2, 4000],
      ['a1', 3, 4300],
    ]);
  });

  it('places jobs of one batch key together: one start, one run’s time, another shape after them', () => {
    const queued = waiting([
      ['a', 400, '512'],
      ['e', 100, '256'],
      ['b', 400, '512'],
      ['c', 400, '512'],
    ]);
    expect(plan({ queued, maxBatch: 4 })).toEqual([
      ['a0', 0, 0],
      ['b2', 0, 0],
      ['c3', 0, 0],
      ['e1', 3, 1200],
    ]);
    // Up to the max batch: the fourth of a key waits for the next run.
    expect(plan({ queued, maxBatch: 2 }).map(([id, ahead]) => [id, ahead])).toEqual([
      ['a0', 0],
      ['b2', 0],
      ['e1', 2],
      ['c3', 3],
    ]);
  });

  it('spreads runs over the live workers, each free after its own run in hand', () => {
    const running = [
      { jobs: [{ cost: 2000 } as Candidate], startedAt: 10_000 },
      { jobs: [{ cost: 500 } as Candidate] },
    ];
    const queued = waiting([
      ['a', 1000, 'k'],
      ['b', 1000, 'k'],
      ['c', 1000, 'k'],
    ]);
    expect(plan({ queued, running, workers: 2 })).toEqual([
      ['a0', 2, 500],
      ['b1', 3, 1500],
      ['c2', 4, 2000],
    ]);
  });

  it('ends every job of a batched run when the run ends, a job alone after its own time', () => {
    const queued = waiting([
      ['a', 400, '512'],
      ['e', 100, '256'],
      ['b', 400, '512'],
      ['c', 400, '512'],
    ]);
    const running = [{ jobs: [{ id: 'r', cost: 5000 } as Candidate], startedAt: 8000 }];
    const result = planned({ queued, running, maxBatch: 4 });
    // The three 512² jobs start after the 3000 ms left of the running job and end 1200 ms later, all three.
    expect(result.starts.map(({ job, etaMs, endMs }) => [job.id, etaMs, endMs])).toEqual([
      ['a0', 3000, 4200],
      ['b2', 3000, 4200],
      ['c3', 3000, 4200],
      ['e1', 4200, 4300],
    ]);
    expect(result.running.map(({ job, endMs }) => [job.id, endMs])).toEqual([['r', 3000]]);
    expect(placeIn(result, 'b2', () => 400)).toEqual({ ahead: 1, etaMs: 3000, endMs: 4200 });
    // A job the plan does not hold: behind the running ones (as `next` says), on a run of its own.
    expect(placeIn(result, 'gone', () => 700)).toEqual({ ahead: 1, etaMs: 3000, endMs: 3700 });
  });

  it('counts a running batch’s time left once for all of its jobs, and a run not started after the one in hand', () => {
    const batch = ['r1', 'r2', 'r3'].map((id) => ({ id, cost: 2000 }) as Candidate);
    const result = planned({
      queued: [],
      running: [{ jobs: batch, startedAt: 9000 }, { jobs: [{ id: 'n', cost: 500 } as Candidate] }],
    });
    // 6000 ms of run, 1000 of it done: all three end in 5000; the next run, on the same worker, 500 after.
    expect(result.running.map(({ job, endMs }) => [job.id, endMs])).toEqual([
      ['r1', 5000],
      ['r2', 5000],
      ['r3', 5000],
      ['n', 5500],
    ]);
  });

  it('tells a job it does not know where it would stand: behind the running ones, at the first free worker', () => {
    const running = [{ jobs: [{ cost: 2000 } as Candidate, { cost: 2000 } as Candidate], startedAt: 9000 }];
    expect(
      planWaits(scheduler, {
        queued: [],
        counters: new Map(),
        now: 10_000,
        running,
        workers: 1,
        maxBatch: 4,
        expectedMs: (c) => c.cost,
      }).next,
    ).toEqual({ ahead: 2, etaMs: 3000 });
  });
});
