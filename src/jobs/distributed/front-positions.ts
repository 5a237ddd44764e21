// Where a front-end's waiting jobs stand on the shared queue, worked out as a single process does (wait-plan.ts):
// the fair scheduler's dry run in runs of one `batchKey`, over the live workers, after the runs they have. It tells
// this front-end's own jobs a new place when theirs (or their run, so its end) changed, and all of them when the last worker went or the first
// came (their replies lose or regain the ETA). A job whose worker stopped (`paused`) keeps that word until it starts
// again: while no worker is alive its message says both (the render picks the wording), and no place replaces it.
import type { JobEvents } from '../events.js';
import { candidateOf } from '../positions.js';
import type { CounterLookup, FairScheduler } from '../scheduler.js';
import type { Job } from '../types.js';
import { type Place, placeIn, planWaits, toldKeys, type WaitPlan } from '../wait-plan.js';
import { runTimeoutMs, type Snapshot } from './shared-snapshot.js';
import type { WireEvent } from './wire-events.js';

export interface FrontPositionDeps {
  scheduler: Pick<FairScheduler, 'pickBatch'>;
  events: Pick<JobEvents, 'emit'>;
  mirror(): Snapshot;
  /** The mirror's fairness counters with those of submissions on their way. */
  counters(): CounterLookup;
  /** The waiting jobs: the mirror's and this front-end's own still on their way to Redis. */
  queued(): Job[];
  expectedMs(job: Job): number;
  /** As `expectedMs`, from measured paces only (`measuredMs`, what admission judges by), else undefined. */
  measuredMs(job: Job): number | undefined;
  /** This front-end's job timeout: runs are planned as the dispatcher forms them (`runTimeoutMs`). */
  jobTimeoutMs: number;
  /** Whether a job is this front-end's and, as it last heard, still waiting / ended. */
  status(id: string): Job['status'] | undefined;
  /**
   * Whether its owner was answered that the job is cancelled (or stopping) while its end has not come: a cancel
   * Redis refused is tried again meanwhile (front-cancel.ts), and a place or a worker's word would contradict it.
   */
  cancelAsked(id: string): boolean;
  /** A job this front-end can see (its own, or waiting in the mirror). */
  get(id: string): Job | undefined;
  /** Now by the shared queue's clock (shared-clock.ts). */
  now(): number;
}

type Paused = Extract<WireEvent, { type: 'paused' }>;

const ENDED = new Set<Job['status'] | undefined>(['done', 'failed', 'cancelled', undefined]);

export class FrontPositions {
  private last = new Map<string, string>();
  /** Whether the waiting jobs' replies were last told that no worker is alive (they assume one at first). */
  private idleTold = false;
  /** This front-end's jobs whose worker stopped, until they start again or end: the word they were told. */
  private readonly paused = new Map<string, Paused>();

  constructor(private readonly deps: FrontPositionDeps) {}

  plan(): WaitPlan<Job> {
    const mirror = this.deps.mirror();
    return planWaits(this.deps.scheduler, {
      queued: this.deps.queued().map((job) => ({ job, candidate: candidateOf(job) })),
      counters: this.deps.counters(),
      // Redis's clock: the runs' startedAt were stamped by workers on other machines with it.
      now: this.deps.now(),
      running: mirror.running,
      workers: mirror.liveWorkers,
      maxBatch: mirror.maxBatch,
      budget: {
        jobTimeoutMs: runTimeoutMs(mirror, this.deps.jobTimeoutMs),
        measuredMs: this.deps.measuredMs,
      },
      expectedMs: this.deps.expectedMs,
    });
  }

  positionOf(id: string): Place {
    return this.placeIn(this.plan(), id);
  }

  /** The place a submission's own reply tells, kept: a different one (or run) at the next look is told again. */
  told(id: string): Place {
    const plan = this.plan();
    const key = toldKeys(plan.starts).get(id);
    if (key !== undefined) this.last.set(id, key);
    return this.placeIn(plan, id);
  }

  private placeIn(plan: WaitPlan<Job>, id: string): Place {
    return placeIn(plan, id, () => {
      const job = this.deps.get(id);
      return job ? this.deps.expectedMs(job) : 0;
    });
  }

  /** An event of this front-end's job, as it goes to the listeners. */
  heard(event: WireEvent): void {
    if (event.type === 'paused') this.paused.set(event.job.id, event);
    else this.paused.delete(event.job.id);
  }

  /** After each read of the shared state: new places, and every word that depends on a worker being alive. */
  emit(): void {
    const { events, status, cancelAsked } = this.deps;
    const idle = this.deps.mirror().liveWorkers === 0;
    const flipped = idle !== this.idleTold;
    this.idleTold = idle;
    const next = new Map<string, string>();
    const { starts } = this.plan();
    const keys = toldKeys(starts);
    for (const { job, ahead, etaMs, endMs } of starts) {
      if (status(job.id) !== 'queued' || cancelAsked(job.id)) continue;
      const last = this.last.get(job.id);
      const key = keys.get(job.id) as string;
      next.set(job.id, key);
      // Put back with no worker to take it: "stopped, none running" stays (told again with the new wording).
      if (idle && this.paused.has(job.id)) continue;
      if (flipped || (last !== undefined && last !== key))
        events.emit({ type: 'position', job, ahead, etaMs, endMs });
    }
    this.last = next;
    if (!flipped) return;
    for (const [id, word] of this.paused) {
      if (ENDED.has(status(id))) this.paused.delete(id);
      else if (cancelAsked(id)) continue;
      // A lost worker's job, still in its run, or one put back while none is left: its word said again, now
      // worded for the workers there are.
      else if (!next.has(id) || idle) events.emit(word);
    }
  }
}
