// When each waiting job should start, for its place and ETA: a dry run of the fair scheduler that forms runs as the
// worker (or the shared queue's dispatcher) does, the fair-next job and more of its `batchKey` up to the max batch
// (`pickBatch`), and gives each run to the first worker free after the runs already in hand. Jobs batched together
// start together and take one run's time, not one wait each, and end together: each is ready when its run ends, not
// after its own share. One process has one worker; a shared queue has its live ones. Both modes place jobs through
// this one function, so a front-end tells what a single process would.
import {
  type Candidate,
  type CounterLookup,
  type FairScheduler,
  type RunBudget,
  TrialCounters,
} from './scheduler.js';

export interface WaitPlanInput<J> {
  /** The waiting jobs with what the scheduler sees of each. */
  queued: ReadonlyArray<{ job: J; candidate: Candidate }>;
  counters: CounterLookup;
  now: number;
  /** Runs a worker has (or is about to start: no `startedAt`), each one worker's until its jobs end. */
  running: ReadonlyArray<{ jobs: readonly J[]; startedAt?: number }>;
  /** Runs that go at once; at least one (a shared queue with none alive gives no time anyway). */
  workers: number;
  maxBatch: number;
  /**
   * What runs are formed within, as the worker or the dispatcher forms them (`runBudget`): the job timeout and each
   * job's measured time. None: runs are limited only by `maxBatch`. How long they take is still `expectedMs`.
   */
  budget?: { jobTimeoutMs: number; measuredMs(job: J): number | undefined };
  expectedMs(job: J): number;
}

export interface PlannedStart<J> {
  job: J;
  /** Jobs that start before it: those running and those of earlier runs (not its own run's). */
  ahead: number;
  /** Milliseconds until its run starts. */
  etaMs: number;
  /** Milliseconds until its run ends: when it should be ready ("ready in"), with every job it runs with. */
  endMs: number;
}

/** A job a worker has: milliseconds until its run ends (a run not started yet waits for a free worker first). */
export interface PlannedEnd<J> {
  job: J;
  endMs: number;
}

/** Where a job stands as its owner is told: jobs ahead, until its run starts, until it ends. */
export interface Place {
  ahead: number;
  etaMs: number;
  endMs: number;
}

export interface WaitPlan<J> {
  /** Every waiting job, in the order their runs would start. */
  starts: PlannedStart<J>[];
  /** Every job of the runs in hand, with its run's end. */
  running: PlannedEnd<J>[];
  /** Where a job not in the plan would stand: behind the running jobs, once the first worker is free. */
  next: { ahead: number; etaMs: number };
}

export function planWaits<J>(
  scheduler: Pick<FairScheduler, 'pickBatch'>,
  input: WaitPlanInput<J>,
): WaitPlan<J> {
  const { now, expectedMs } = input;
  const free = Array.from({ length: Math.max(1, Math.floor(input.workers)) }, () => 0);
  // The first worker free takes the next run: when it starts, and that worker is busy its time longer.
  const take = (ms: number): number => {
    const i = free.indexOf(Math.min(...free));
    const at = free[i] as number;
    free[i] = at + ms;
    return at;
  };
  const runMs = (jobs: readonly J[]) => jobs.reduce((sum, job) => sum + expectedMs(job), 0);
  let ahead = 0;
  const running: PlannedEnd<J>[] = [];
  for (const run of input.running) {
    const ms = runMs(run.jobs);
    // A clock off between machines moves the start, but never past the run's own length either way.
    const elapsed = run.startedAt === undefined ? 0 : Math.min(Math.max(now - run.startedAt, 0), ms);
    const endMs = Math.round(take(ms - elapsed) + ms - elapsed);
    for (const job of run.jobs) running.push({ job, endMs });
    ahead += run.jobs.length;
  }
  const next = { ahead, etaMs: Math.round(Math.min(...free)) };
  const byId = new Map(input.queued.map(({ job, candidate }) => [candidate.id, job]));
  const budget =
    input.budget && runBudget(input.budget.jobTimeoutMs, (id) => byId.get(id), input.budget.measuredMs);
  const trial = new TrialCounters(input.counters);
  const idle = new Map<string, number>();
  let left = input.queued.map(({ candidate }) => candidate);
  const starts: PlannedStart<J>[] = [];
  while (left.length > 0) {
    const batch = scheduler.pickBatch(left, trial, idle, now, input.maxBatch, budget);
    if (batch.length === 0) break;
    const jobs = batch.map((c) => byId.get(c.id) as J);
    const ms = runMs(jobs);
    const at = take(ms);
    const etaMs = Math.round(at);
    const endMs = Math.round(at + ms);
    for (const job of jobs) starts.push({ job, ahead, etaMs, endMs });
    ahead += batch.length;
    for (const c of batch) trial.charge(c.user, c.cost);
    const picked = new Set(batch.map((c) => c.id));
    left = left.filter((c) => !picked.has(c.id));
  }
  return { starts, running, next };
}

/**
 * The share of the job timeout a batched run may be expected to fill. Its expected time is an average over recent
 * runs, and a run judged right at the timeout would pass it about every other time, failing all its members at once;
 * within 0.8 a run may come out 25 % slower than the average (a busy device, a slow first pass of a new shape) and
 * still end in time. A run of one job is not judged: admitted alone (on the whole timeout), it runs alone.
 */
export const RUN_BUDGET_SHARE = 0.8;

/**
 * The budget a run is formed within (`pickBatch`): `RUN_BUDGET_SHARE` of the job timeout, over the jobs' measured
 * times (a job found by its candidate's id). Measured as admission judges them (no provisional pace of a type's cold
 * first run, nor the placeholder): a job with none is not judged, as admission does not refuse it, so a cold start
 * does not cut the first batches to one job each (a run's jobs share a batch key, so a pace type: all are measured
 * or none is). The worker, the dispatcher and the dry runs all use this one.
 */
export function runBudget<J>(
  jobTimeoutMs: number,
  jobOf: (id: string) => J | undefined,
  measuredMs: (job: J) => number | undefined,
): RunBudget {
  return {
    limitMs: jobTimeoutMs * RUN_BUDGET_SHARE,
    ms: (c) => {
      const job = jobOf(c.id);
      return (job === undefined ? undefined : measuredMs(job)) ?? 0;
    },
  };
}

/**
 * What each waiting job is told, to tell it again only when that changes: its place, and how many jobs its run
 * holds (one joining or leaving its run moves when it ends, though no place moves). Jobs of one run share `ahead`.
 */
export function toldKeys<J extends { id: string }>(starts: readonly PlannedStart<J>[]): Map<string, string> {
  const sizes = new Map<number, number>();
  for (const { ahead } of starts) sizes.set(ahead, (sizes.get(ahead) ?? 0) + 1);
  return new Map(starts.map(({ job, ahead }) => [job.id, `${ahead}/${sizes.get(ahead)}`]));
}

/**
 * Where the job `id` stands in `plan`; one not in it (no longer waiting, or not seen yet) where a new one would, on
 * a run of its own of `ownMs()`.
 */
export function placeIn<J extends { id: string }>(plan: WaitPlan<J>, id: string, ownMs: () => number): Place {
  const start = plan.starts.find((s) => s.job.id === id);
  if (start) return { ahead: start.ahead, etaMs: start.etaMs, endMs: start.endMs };
  return { ...plan.next, endMs: plan.next.etaMs + Math.round(ownMs()) };
}
