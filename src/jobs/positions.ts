// Where each waiting job stands: a dry run of the fair scheduler over the queued jobs (the runs they would start in
// if nobody new arrived, wait-plan.ts), the running run's remaining time ahead of them all, and a `position` event
// for each job whose place or run changed since last told (until the bot stops).
import { batchKey, type EngineRequest } from '../../engine/index.js';
import type { JobEvents } from './events.js';
import type { Candidate, FairScheduler } from './scheduler.js';
import type { JobStore } from './store.js';
import { type Job, ownerKey } from './types.js';
import { type Place, placeIn, planWaits, toldKeys, type WaitPlan } from './wait-plan.js';

export interface PositionDeps {
  store: Pick<JobStore, 'byStatus' | 'get'>;
  scheduler: Pick<FairScheduler, 'pickBatch'>;
  counters: ReadonlyMap<string, number>;
  events: Pick<JobEvents, 'emit'>;
  /** The jobs running now: one run (the one worker's). */
  running(): Job[];
  /** The most jobs the worker runs together (1 without batching). */
  maxBatch: number;
  /** The job timeout, which runs are formed within (`runBudget`). */
  jobTimeoutMs: number;
  expectedMs(job: Job): number;
  /** As `expectedMs`, from the job type's measured pace only (what admission judges by), else undefined. */
  measuredMs(job: Job): number | undefined;
  now(): number;
}

export class QueuePositions {
  private last = new Map<string, string>();
  /** The bot is stopping: its jobs hear that instead, and the next start tells their places again. */
  private halted = false;

  constructor(private readonly deps: PositionDeps) {}

  /** The queued jobs as the scheduler sees them. */
  candidates(): Candidate[] {
    return this.deps.store.byStatus('queued').map(candidateOf);
  }

  /** Jobs ahead (by a dry run of the scheduler), and the time until the job's run starts and until it ends. */
  positionOf(id: string): Place {
    return placeIn(this.plan(), id, () => {
      const job = this.deps.store.get(id);
      return job ? this.deps.expectedMs(job) : 0;
    });
  }

  /** The dry-run start order of every queued job. */
  plannedOrder(): Job[] {
    return this.plan().starts.map((s) => s.job);
  }

  /** The dry run itself: each waiting job's place and end, each running job's end. */
  plan(): WaitPlan<Job> {
    const { store, scheduler, counters, now, running, expectedMs, maxBatch, jobTimeoutMs, measuredMs } =
      this.deps;
    const jobs = running();
    const startedAt = Math.min(...jobs.map((j) => j.startedAt ?? now()));
    return planWaits(scheduler, {
      queued: store.byStatus('queued').map((job) => ({ job, candidate: candidateOf(job) })),
      counters,
      now: now(),
      running: jobs.length > 0 ? [{ jobs, startedAt }] : [],
      workers: 1,
      maxBatch,
      budget: { jobTimeoutMs, measuredMs },
      expectedMs,
    });
  }

  /** No position is told from now on (shutdown). */
  halt(): void {
    this.halted = true;
  }

  /** Tells every queued job but `except` whose place or run (so when it ends) changed. */
  emit(except?: string): void {
    if (this.halted) return;
    const { starts } = this.plan();
    const next = toldKeys(starts);
    for (const { job, ahead, etaMs, endMs } of starts) {
      if (job.id !== except && this.last.get(job.id) !== next.get(job.id))
        this.deps.events.emit({ type: 'position', job, ahead, etaMs, endMs });
    }
    this.last = next;
  }
}

/** A waiting job as the scheduler sees it, with the batch it may share (the shared queue's too). */
export function candidateOf(job: Job): Candidate {
  return {
    id: job.id,
    user: ownerKey(job.owner),
    seq: job.seq,
    cost: job.estimatedCost,
    priority: job.priority,
    createdAt: job.createdAt,
    batchKey: batchKey(job.request as EngineRequest),
  };
}
