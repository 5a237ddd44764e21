// The job queue in front of the single model: admission caps, durable state, one worker choosing the fair-next
// job(s) and running them (run-batch.ts: timeouts, failure isolation), cancellation, positions and ETAs
// (positions.ts), restart recovery, shutdown, and waiting jobs held for the submission that replaces them (holds.ts).
import { SHUTDOWN_GRACE_DEFAULT_S as GRACE_S } from '../config/schema.js';
import { within } from '../within.js';
import { admissionRefusal, tooLongRefusal } from './admission.js';
import { estimateStoredRequest } from './estimate.js';
import { EtaCalibration } from './eta-calibration.js';
import { JobEvents, type JobListener } from './events.js';
import { FairCounters } from './fair-counters.js';
import { type Claim, JobHolds } from './holds.js';
import { DISK_FULL } from './job-failure.js';
import { newJob } from './job-parts.js';
import {
  lastAttempt,
  markInterrupted,
  putBackAll,
  queuedOrNone,
  recordEndedEarly,
  runsPerUser,
} from './job-transitions.js';
import { afterStored, beforeStored, type Stored, storeNewJob } from './not-stored.js';
import { QueuePositions } from './positions.js';
import type { CancelResult, JobHold, JobQueueOptions, SubmitInput, SubmitResult } from './queue-types.js';
import { InterruptedRecovery } from './recovery.js';
import { endEvent, RefusedEnds, tellRefusedEnd } from './refused-ends.js';
import { type RunDeps, type RunningEntry, runBatch } from './run-batch.js';
import { FairScheduler } from './scheduler.js';
import type { JobStore } from './store.js';
import { type Job, type Owner, ownerKey } from './types.js';
import { type Place, runBudget, type WaitPlan } from './wait-plan.js';

export type * from './queue-types.js';

// After a failure of the worker's own bookkeeping (a database refusing a write): a pause, not a spin on the error.
const WORKER_RETRY_MS = 1000;
// How long a shutdown waits, past its abort wait, for a run the engine has answered to store its results (PNGs
// encoded and written: seconds at most); a store wedged longer must not hold the stop, and the database, forever.
const STORE_WAIT_MS = 30_000;
const STOPPING: SubmitResult = { ok: false, refusal: { key: 'errors.queue.stopping', params: {} } };
const FULL: SubmitResult = { ok: false, refusal: DISK_FULL };

export class JobQueue {
  readonly events = new JobEvents();
  private readonly scheduler: FairScheduler;
  private readonly store: JobStore;
  private readonly fair: FairCounters;
  private readonly counters: Map<string, number>;
  private readonly running = new Map<string, RunningEntry>();
  private readonly refused: RefusedEnds;
  /** Runs the shutdown gave up on: their late ends are dropped (run-batch.ts). */
  private readonly givenUp = new Set<string>();
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private stopping = false;
  get accepting(): boolean {
    return !this.stopping;
  }
  private stopped: Promise<void> | undefined;
  private readonly admins: Set<string>;
  private readonly clock: () => number;
  private readonly recovery: InterruptedRecovery;
  /** Jobs told that the bot is stopping (`paused`): each hears it once. */
  private readonly paused = new Set<string>();
  private readonly eta: EtaCalibration;
  /** The most jobs run together: 1 without batching. */
  private readonly maxBatch: number;
  private readonly positions: QueuePositions;
  // Released jobs may start at once: the worker may be waiting for work.
  private readonly holds = new JobHolds(() => this.wake?.());
  private readonly runDeps: RunDeps;

  constructor(private readonly options: JobQueueOptions) {
    this.store = options.store;
    this.admins = new Set(options.admins ?? []);
    this.clock = options.now ?? Date.now;
    this.maxBatch = options.engine.generateBatch ? (options.maxBatch ?? 1) : 1;
    this.eta = new EtaCalibration(this.store, () => options.engine.info.device);
    this.scheduler = new FairScheduler({
      agingMs: options.agingMs ?? 10 * 60_000,
      maxRunningPerUser: options.limits.maxRunningPerUser,
    });
    this.fair = new FairCounters(this.store);
    this.counters = this.fair.counters;
    this.refused = new RefusedEnds({
      store: this.store,
      counters: this.counters,
      events: this.events,
      pause: (job, restarts, corrects) => this.pause(job, restarts, corrects),
    });
    this.recovery = new InterruptedRecovery(options, this.counters, this.clock, () =>
      this.settleFairness([]),
    );
    this.recovery.retry();
    this.settleFairness([]);
    this.positions = new QueuePositions({
      store: this.store,
      scheduler: this.scheduler,
      counters: this.counters,
      events: this.events,
      running: () => [...this.running.values()].map((r) => r.job),
      maxBatch: this.maxBatch,
      jobTimeoutMs: options.limits.jobTimeoutMs,
      expectedMs: (job) => this.expectedMs(job),
      measuredMs: (job) => this.eta.measuredMs(job),
      now: this.clock,
    });
    this.runDeps = {
      options,
      store: this.store,
      counters: this.counters,
      events: this.events,
      eta: this.eta,
      now: this.clock,
      running: this.running,
      refused: this.refused,
      givenUp: this.givenUp,
      pause: (job, restarts) => this.pause(job, restarts),
      tellPlaces: () => this.positions.emit(),
      settle: (ended) => this.settleFairness(ended.map((job) => ownerKey(job.owner))),
    };
  }

  subscribe(listener: JobListener): () => void {
    return this.events.subscribe(listener);
  }

  /** Measured milliseconds per cost unit over every job type on this device (the fallback of `expectedMs`). */
  get msPerUnit(): number {
    return this.eta.msPerUnit;
  }

  get paceKnown(): boolean {
    return this.eta.known;
  }

  /** False while the jobs the last process left running wait for the disk (recovery.ts): nothing runs meanwhile. */
  get workersRunning(): boolean {
    return !this.recovery.waiting;
  }

  /** How long the job should run, from its own job type's measured speed where known (eta-calibration.ts). */
  expectedMs(job: Pick<Job, 'request' | 'estimatedCost'>): number {
    return this.eta.expectedMs(job);
  }

  /** The clock this queue stamps its jobs with (`JobQueueOptions.now`: this machine's unless a test pins it). */
  now(): number {
    return this.clock();
  }

  isAdmin(owner: Owner): boolean {
    return this.admins.has(ownerKey(owner));
  }

  /** Holds `owner`'s waiting jobs for the submission that replaces them (holds.ts). */
  hold(ids: readonly string[], owner: Owner): JobHold | undefined {
    return this.holds.hold(
      ids.map((id) => this.store.get(id)),
      ownerKey(owner),
    );
  }

  submit(input: SubmitInput): SubmitResult {
    // The jobs the last process left running keep their places: none is taken before their recovery (recovery.ts),
    // done first, so the ones it queues count as waiting for this admission and the new owner's fair share.
    // Nothing of the submission is kept until admit stores its row: a throw until then is NotStored (not-stored.ts).
    const recovered = beforeStored(() => this.stopping || this.recovery.retry());
    const claim = beforeStored(() => this.holds.claim(this.store.byStatus('queued'), input, this.now()));
    const admit = () => this.admit(input, claim);
    const stored = this.stopping ? STOPPING : recovered ? beforeStored(admit, () => claim.end(false)) : FULL;
    claim.end(stored.ok);
    if (!stored.ok) return stored;
    return afterStored(stored.job, () => this.queued(stored.job, claim.replaced));
  }

  /** Stores the submission, or says why not; the held jobs it replaces are cancelled in the same transaction. */
  private admit(input: SubmitInput, { counted, replaced }: Claim): Stored {
    const user = ownerKey(input.owner);
    const estimatedCost = estimateStoredRequest(this.options.engine, input.request, input.files);
    const refusal =
      admissionRefusal(counted, input, this.options.limits) ??
      tooLongRefusal(this.eta.measuredMs({ request: input.request, estimatedCost }), this.options.limits);
    if (refusal) return { ok: false, refusal };
    const job = newJob(input, {
      id: this.store.newId(),
      seq: this.store.nextSeq(),
      estimatedCost,
      defaultPriority: this.isAdmin(input.owner) ? 'high' : 'normal',
      createdAt: this.now(),
    });
    const active = new Set([
      ...[...counted, ...replaced].map((j) => ownerKey(j.owner)),
      ...[...this.running.values()].map((r) => ownerKey(r.job.owner)),
    ]);
    return storeNewJob(this.store, job, input.files ?? {}, this.options.log, () => {
      if (!active.has(user)) this.store.setCounter(user, this.fair.lift(user, active));
      for (const old of replaced) this.store.update(old);
    });
  }

  /** A stored job, told: a throw from here on leaves it queued (AfterStored), its idle worker woken all the same. */
  private queued(job: Job, replaced: readonly Job[]): SubmitResult {
    try {
      for (const old of replaced) this.events.emit({ type: 'cancelled', job: old });
      const place = this.positionOf(job.id);
      this.events.emit({ type: 'queued', job, ...place });
      this.positions.emit(job.id);
      return { ok: true, job, ...place };
    } finally {
      this.wake?.();
    }
  }

  get(id: string): Job | undefined {
    // A refused end or a cancel a waiting recovery holds is the job's truth while its row says `running`.
    return this.refused.get(id) ?? this.recovery.get(id) ?? this.store.get(id);
  }
  failureTold = (id: string): void => this.refused.told(id);
  restartPending = (id: string): boolean => this.recovery.restarts(id);

  /** Jobs ahead (by a dry run of the scheduler), and the time until the job's run starts and until it ends. */
  positionOf(id: string): Place {
    return this.positions.positionOf(id);
  }

  /** The dry-run start order of every queued job. */
  plannedOrder(): Job[] {
    return this.positions.plannedOrder();
  }

  /** The dry run: every waiting job's place and end, every running job's end. */
  waitPlan(): WaitPlan<Job> {
    return this.positions.plan();
  }

  /** `asAdmin` lets a caller that knows more (a platform admin role) grant admin rights; default: ADMIN_IDS. */
  cancel(id: string, by: Owner, asAdmin = this.isAdmin(by)): CancelResult {
    const job = this.store.get(id);
    if (!job) return 'not_found';
    if (ownerKey(job.owner) !== ownerKey(by) && !asAdmin) return 'refused';
    if (job.status === 'queued') {
      job.status = 'cancelled';
      job.finishedAt = this.now();
      this.store.update(job);
      this.settleFairness([ownerKey(job.owner)]);
      this.events.emit({ type: 'cancelled', job });
      this.positions.emit();
      return 'cancelled';
    }
    const run = this.running.get(id);
    if (job.status === 'running' && run) {
      run.reason = 'cancel';
      run.controller.abort();
      // Stored at once: the job stays `running` until its step ends, and a crash in that window must not make a
      // restart run it again (recoverInterrupted). A store that cannot write (disk full) still stops the job.
      run.job.meta.cancelRequested = true;
      try {
        this.store.update(run.job);
      } catch {
        // The abort above stops it all the same; only a crash before the step ends would run it again.
      }
      return 'cancelling';
    }
    // Cancelling twice answers as the first time did, not "already finished"; a running job's cancel whose end the
    // database refused (its row still `running`, refused-ends.ts) was answered "cancelling".
    if (this.refused.get(id)?.status === 'cancelled') return 'cancelling';
    // Left running by the last process, its recovery waiting for the disk: that recovery cancels it (or refuses).
    return this.recovery.cancel(id) ?? (job.status === 'cancelled' ? 'cancelled' : 'finished');
  }

  /** Starts the worker; events for jobs that failed during recovery are emitted now that listeners exist. */
  start(): void {
    this.recovery.start((job) => this.events.emit(endEvent(job)));
    this.loop ??= this.work();
  }

  private async work(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.step();
      } catch (error) {
        // The worker outlives any one failure (a full disk, a database that refuses a write): log it, pause, and
        // look at the queue again, so jobs run again as soon as the cause goes away.
        this.options.log?.('error', 'job worker error (continuing)', {
          error: error instanceof Error ? error.message : String(error),
        });
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, WORKER_RETRY_MS).unref();
        });
        this.wake = undefined;
      }
    }
  }

  /** One turn of the worker: run the fair-next job(s), or wait for a submission. */
  private async step(): Promise<void> {
    this.refused.retry();
    // Nothing runs before the jobs the last process left running are recovered: tried again without waiting for work.
    const recovered = this.recovery.retry();
    const picked = this.scheduler.pickBatch(
      this.positions.candidates().filter((c) => !this.holds.isHeld(c.id)),
      this.counters,
      runsPerUser(this.running.values()),
      this.now(),
      this.maxBatch,
      // Judged on the pace admission judges by: the same budget as the dry run's (positions.ts).
      runBudget(
        this.options.limits.jobTimeoutMs,
        (id) => this.store.get(id),
        (job) => this.eta.measuredMs(job),
      ),
    );
    if (picked.length === 0 || !recovered) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        // An owner waits for an end the database refused (refused-ends.ts): tried again without waiting for work.
        if (this.refused.waiting || !recovered) setTimeout(resolve, WORKER_RETRY_MS).unref();
      });
      this.wake = undefined;
      return;
    }
    const jobs = picked.map((c) => this.store.get(c.id)).filter((j): j is Job => j?.status === 'queued');
    if (jobs.length > 0) await runBatch(this.runDeps, jobs);
  }

  /**
   * After jobs ended or a waiting one was cancelled (`leaving`: their owners), the fair share may let idle users go
   * (fair-counters.ts): it is told who is active and what their running jobs were charged.
   */
  private settleFairness(leaving: readonly string[]): void {
    // Rows still `running` (a waiting recovery) are nobody's in `active`: the floor would pass their owners.
    if (this.recovery.waiting) return;
    try {
      const active = new Map<string, number>();
      for (const job of this.store.byStatus('queued')) active.set(ownerKey(job.owner), 0);
      for (const { job } of this.running.values()) {
        const user = ownerKey(job.owner);
        active.set(user, (active.get(user) ?? 0) + job.estimatedCost);
      }
      this.fair.settle(active, leaving);
    } catch (error) {
      // Only the floor and the room kept are at stake: the next job's end settles again.
      this.options.log?.('warn', 'could not settle the fairness counters', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  /**
   * Stops intake and lets the running job(s) finish within `waitMs` (SHUTDOWN_GRACE_S's default unless given); past
   * that they are aborted and put back into the queue, and the worker is awaited (an aborted run ends within one
   * engine step) for at most `abortWaitMs`, or until a run the engine has answered has stored its results (for at most
   * `storeWaitMs` more). Each job left unfinished emits `paused` as its last event, unless it ends now or its end is
   * the next start's to tell (refused-ends.ts). Resolves when the worker has stopped, so the database can close after
   * it. Calling it again returns the same promise.
   */
  stop({ waitMs = GRACE_S * 1000, abortWaitMs = 10_000, storeWaitMs = STORE_WAIT_MS } = {}): Promise<void> {
    this.stopped ??= this.shutdown(waitMs, abortWaitMs, storeWaitMs);
    return this.stopped;
  }

  private async shutdown(waitMs: number, abortWaitMs: number, storeWaitMs: number): Promise<void> {
    this.stopping = true;
    // Places are not told from here on: every job left waiting hears that the bot is stopping instead.
    this.positions.halt();
    this.wake?.();
    const stopped = (this.loop ?? Promise.resolve()).then(() => true);
    const givenUp = (await within(stopped, waitMs, false))
      ? []
      : await this.abortRunning(stopped, abortWaitMs, storeWaitMs);
    // Still refused at the stop, the next start recovers those rows, as after a crash; an owner whose job that
    // start will run again hears so now, told of a failure already or not (refused-ends.ts).
    this.refused.retry();
    this.refused.stop();
    // Told while the adapters still deliver: a job still running after its abort runs again at the next start
    // (recoverInterrupted) unless that run was its last or its owner cancelled it (its late end is dropped), and
    // every waiting job keeps its place. The given-up entries, not `running`: a run that ends meanwhile has taken
    // its jobs out of that.
    for (const entry of givenUp) {
      if (entry.job.status !== 'running') continue;
      if (entry.reason === 'cancel' || lastAttempt(entry.job)) this.endGivenUp(entry);
      else this.pause(entry.job, true);
    }
    for (const job of queuedOrNone(this.store)) this.pause(job, false);
  }

  /**
   * A job its abort did not stop, cancelled by its owner or on its last attempt: ended now rather than promised a
   * restart, its owner told once that end is stored. Its run's late end is dropped (run-batch.ts).
   */
  private endGivenUp({ job, reason, ran }: RunningEntry): void {
    const cancelled = reason === 'cancel';
    if (cancelled) {
      job.status = 'cancelled';
      job.finishedAt = this.now();
    } else markInterrupted(job, this.now());
    // Refused by the database, its row stays `running` and decides (refused-ends.ts): the next start ends the job
    // and tells its owner, who would hear it twice if told now, or runs it again (its cancel unwritten too).
    if (recordEndedEarly(this.store, this.counters, job, cancelled ? (ran ?? 0) : 0, this.options.log)) {
      this.paused.add(job.id);
      this.events.emit(endEvent(job));
    } else tellRefusedEnd({ store: this.store, pause: (stored) => this.pause(stored, true) }, job.id);
  }

  /**
   * The process ends now (a second signal while stopping): each running job goes back into the queue as the stop's
   * abort would have put it, so the next start runs it with its one retry kept instead of as if the bot had crashed.
   * Synchronous, as nothing runs after it; a job its owner is cancelling stays as stored. A batch keeps its ended
   * jobs in `running` until the whole batch is done: those (and any the stop put back already) are left as stored.
   * Ends the disk refused that their owners heard of are tried once more, as the next start would run those jobs
   * again or apologise twice; one nobody was told stays unstored, for the next start to tell (refused-ends.ts).
   */
  putBackRunning(): void {
    this.refused.retry({ untold: false });
    putBackAll(this.store, this.counters, this.running.values(), this.options.log);
  }

  private async abortRunning(
    stopped: Promise<boolean>,
    abortWaitMs: number,
    storeWaitMs: number,
  ): Promise<RunningEntry[]> {
    for (const entry of this.running.values()) {
      // A job its owner is already stopping stays cancelled: a restart must not run it again.
      if (entry.reason !== 'cancel') entry.reason = 'shutdown';
      entry.controller.abort();
    }
    if (await within(stopped, abortWaitMs, false)) return [];
    // Past the engine, a run is storing its results: ended now, a job would be told it failed (or will restart)
    // and then get its result. Let finish, it ends as its owner would want; the store is still open for it.
    const storing = [...this.running.values()].some((entry) => entry.storing);
    if (storing && (await within(stopped, storeWaitMs, false))) return [];
    // Given up: each job still running is told now (shutdown), and whatever its run does later is dropped.
    const givenUp = [...this.running.values()];
    for (const { job } of givenUp) this.givenUp.add(job.id);
    this.options.log?.('warn', 'the running job did not stop after its abort; closing anyway', {
      jobs: givenUp.map(({ job }) => job.id),
    });
    return givenUp;
  }

  private pause(job: Job, restarts: boolean, corrects = false): void {
    if (this.paused.has(job.id)) return;
    this.paused.add(job.id);
    this.events.emit({ type: 'paused', job, restarts, ...(corrects && { corrects: true as const }) });
  }
}
