// One GPU worker (`dimoo worker`): takes the runs the dispatcher handed to the BullMQ work queue, one at a time
// (a run is one job, or several of one `batchKey` up to the max batch this worker advertises in its heartbeat),
// runs them through the engine (worker-batch.ts) and reports started/progress/done (paused for a running job its
// shutdown puts back) to each job's owning front-end over Redis pub/sub. BullMQ's job lock is the worker's lease on
// the run: a worker killed mid-run stops renewing it, another worker's stalled check puts the run back once
// (`maxStalledCount: 1`) and its unfinished jobs re-run there; a second stall fails it and the dispatcher sends each
// job's owner the apology. Which worker has a run, and that it still answers, is kept apart (shared-runners.ts), so
// the owners hear of a killed worker within a heartbeat's expiry rather than at the retry. Redis losing its data
// (a FLUSHDB, the queue's keys deleted) with every connection up is noticed by a data watch (data-watch.ts), sooner
// once a lock cannot be renewed: each job in hand whose record went with it is stopped, not run for no one.
import { randomUUID } from 'node:crypto';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Engine } from '../../../engine/index.js';
import { within } from '../../within.js';
import type { Job } from '../types.js';
import { DATA_GONE_WORKER_LOG, DataWatch } from './data-watch.js';
import { type RunData, WORK_QUEUE, workQueueOptions } from './dispatcher.js';
import { isRenewalFailure, LostLocks } from './lost-lock.js';
import { isCredentialsRefusal } from './redis-credentials.js';
import { HEARTBEAT_MS, HEARTBEAT_TTL_MS, leaveRun, markAlive, takeRun } from './shared-runners.js';
import { closeConnection, GOODBYE_WAIT_MS, type SharedState } from './shared-state.js';
import { parseCancelMessage } from './wire-events.js';
import {
  type BatchContext,
  putBack,
  type Running,
  runBatch,
  settle,
  type WorkerMetrics,
} from './worker-batch.js';

export type { WorkerMetrics } from './worker-batch.js';

export interface DistributedWorkerOptions {
  state: SharedState;
  url: string;
  engine: Pick<Engine, 'generate' | 'info'> & Partial<Pick<Engine, 'generateBatch'>>;
  /**
   * The most jobs run through the engine together (config.queue.maxBatch or the device's default); 1 without
   * `generateBatch`.
   */
  maxBatch?: number;
  /** Each job's timeout from its run's start; advertised in the heartbeat, so no run is formed past it. */
  jobTimeoutMs: number;
  previewIntervalMs?: number;
  maxInputPixels?: number;
  /** How long a job's lock lives without renewal: a dead worker's job is retried after about this long. */
  lockMs?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
  metrics?: WorkerMetrics;
}

/** Stalls of a run that BullMQ retries; the next one fails it (the dispatcher's apology). */
const MAX_STALLED = 1;

/** How soon the jobs in hand are checked again after a data loss whose check failed: a lost one holds the GPU. */
const LOST_RECHECK_MS = 1000;

/**
 * A BullMQ job's run. One handed over before runs existed carries `{ id }` under the job's own id: the
 * dispatcher made that job a run of its own id (`adoptRunless`). Undefined for data of neither shape.
 */
function runOf(data: unknown): RunData | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const { run, ids, id } = data as Partial<RunData> & { id?: unknown };
  if (typeof run === 'string' && Array.isArray(ids) && ids.every((i) => typeof i === 'string'))
    return { run, ids };
  return typeof id === 'string' && run === undefined ? { run: id, ids: [id] } : undefined;
}

export class DistributedWorker {
  readonly id = randomUUID();
  private worker: Worker | undefined;
  private subscriber: Redis | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  /** Outlives `heartbeat` through a shutdown: a run still finishing must not look like a lost one. */
  private aliveTimer: NodeJS.Timeout | undefined;
  private readonly controllers = new Map<string, Running>();
  /** The members of the batch being admitted, and whether a cancel of each was heard meanwhile. */
  private readonly admitting = new Map<string, boolean>();
  /** The run in hand, and whether a stall would retry it. */
  private current: { run: string; retried: boolean } | undefined;
  /** Past the shutdown grace: a job still starting is put back instead of run. */
  private stopping = false;
  /** close() was called: a start() still waiting for Redis opens nothing more. */
  private closing = false;
  /** The start() in progress, which close() lets finish (bounded) before it takes down what start opened. */
  private starting: Promise<void> | undefined;
  readonly maxBatch: number;
  private readonly batchContext: BatchContext;
  private readonly lostLocks = new LostLocks();
  private readonly dataWatch: DataWatch;
  /** The next check of the jobs in hand after the data loss, when the last one failed. */
  private lostRecheck: NodeJS.Timeout | undefined;
  /** That check's failure was said: said once until one goes through. */
  private lostCheckFailed = false;

  constructor(private readonly options: DistributedWorkerOptions) {
    this.maxBatch = options.engine.generateBatch ? Math.max(1, Math.floor(options.maxBatch ?? 1)) : 1;
    this.batchContext = { ...options, workerId: this.id, running: this.controllers, warm: new Set() };
    options.state.reportTo(options.log);
    this.dataWatch = new DataWatch(options.state, () => void this.abortLost(), options.log, {
      line: DATA_GONE_WORKER_LOG,
    });
  }

  start(): Promise<void> {
    this.starting = this.open();
    return this.starting;
  }

  private async open(): Promise<void> {
    const { state } = this.options;
    // Before the first stamp: a run's startedAt is read by front-ends on other machines for their ETAs.
    await state.clock.synced;
    // Closed while Redis was away (a signal at start): nothing is opened after, which would hold the process.
    if (this.closing) return;
    this.subscriber = state.subscriber(`worker-${this.id}`);
    // A cancel published while this worker was cut off is lost, but its flag is in Redis.
    await state.subscribeWithRecovery(
      this.subscriber,
      [state.channel('cancel')],
      () => void this.recheckCancels(),
    );
    // Thrown here, a foreign message would end the worker (the subscriber's reply handler has no catch).
    this.subscriber.on('message', (channel, message) => {
      const id = parseCancelMessage(message);
      if (id === undefined) state.skipMalformed('cancel message', channel, message);
      else this.abortCancelled(id);
    });
    const lockMs = this.options.lockMs ?? 15_000;
    // Before the first run can arrive: its try is judged lost once this stops.
    await this.stayAlive();
    if (this.closing) return;
    this.aliveTimer = setInterval(() => void this.stayAlive(), HEARTBEAT_MS);
    this.dataWatch.start();
    this.worker = new Worker(
      WORK_QUEUE,
      async (bull) => {
        const run = runOf(bull.data);
        // Another program's job on this queue's names: done with, as nothing of ours is in it.
        if (!run)
          return state.skipMalformed('work queue job', `${state.prefix}:bull:${WORK_QUEUE}:${bull.id}`);
        return this.process(run, bull.stalledCounter < MAX_STALLED);
      },
      {
        ...workQueueOptions(this.options.url, state.prefix),
        concurrency: 1,
        lockDuration: lockMs,
        stalledInterval: lockMs,
        maxStalledCount: MAX_STALLED,
        removeOnComplete: { count: 0 },
        removeOnFail: { count: 1000 },
      },
    );
    this.worker.on('error', (error) => {
      // The run's data may be gone with everything else: the watch's next tick could be seconds of a dead job away.
      if (isRenewalFailure(error)) this.dataWatch.checkSoon();
      const lost = this.lostLocks.explain(error);
      if (lost === 'said') return;
      if (lost !== 'other') {
        this.options.log?.('warn', lost.message, lost.fields);
        return;
      }
      state.connectionError(error, (e) =>
        this.options.log?.('warn', 'worker queue error', { error: String(e) }),
      );
    });
    await this.worker.waitUntilReady();
    // A signal while BullMQ connected: close() already left the pool, which a beat now would join again.
    if (this.closing) return;
    // Set before the first beat's await: a close() meanwhile clears it.
    this.heartbeat = setInterval(() => void this.beat(), HEARTBEAT_MS);
    await this.beat();
  }

  /** No run in hand, none being admitted. */
  private idle(): boolean {
    return this.current === undefined && this.controllers.size === 0 && this.admitting.size === 0;
  }

  private abortCancelled(id: string): void {
    if (this.admitting.has(id)) this.admitting.set(id, true);
    const entry = this.controllers.get(id);
    if (entry) {
      entry.reason = 'cancel';
      entry.controller.abort();
      // The engine may still report a step or two: its progress says the job is stopping, as in one process,
      // wherever the cancel was asked (the owner's front-end hears it only from here).
      entry.job.meta.cancelRequested = true;
    }
  }

  /**
   * Redis's data is gone (data-watch.ts): each job with the engine whose record went with it is stopped as a cancel
   * would stop it, its result dropped anyway, so the jobs submitted since get the GPU. Not put back: there is
   * nothing left to put back, and its owner's front-end tells them the job was lost (its own watch).
   */
  private async abortLost(): Promise<void> {
    clearTimeout(this.lostRecheck);
    let failed: unknown;
    for (const [id, entry] of [...this.controllers]) {
      if (entry.controller.signal.aborted) continue;
      try {
        if ((await this.options.state.readJob(id)) !== undefined) continue;
      } catch (error) {
        // The others are still checked: one failed read must not leave a lost job running.
        failed ??= error;
        continue;
      }
      // Stopped meanwhile (a cancel, its timeout, a shutdown): that reason stands.
      if (entry.controller.signal.aborted) continue;
      entry.reason = 'lost';
      entry.controller.abort();
    }
    if (failed === undefined) {
      this.lostCheckFailed = false;
      return;
    }
    if (!this.lostCheckFailed)
      this.options.log?.('warn', 'checking the jobs in hand after the data loss failed; checking again', {
        error: String(failed),
      });
    this.lostCheckFailed = true;
    // The watch says a loss only once (its mark is read already): until a check goes through, this one tries again.
    if (this.closing) return;
    clearTimeout(this.lostRecheck);
    this.lostRecheck = setTimeout(() => void this.abortLost(), LOST_RECHECK_MS);
    this.lostRecheck.unref();
  }

  private async recheckCancels(): Promise<void> {
    const { state } = this.options;
    try {
      // Those being admitted too: a cancel published while the subscriber was down is found only so.
      for (const id of [...this.controllers.keys(), ...this.admitting.keys()])
        if (await state.cancelRequested(id)) this.abortCancelled(id);
    } catch (error) {
      this.options.log?.('warn', 'rechecking cancels after a reconnection failed', { error: String(error) });
    }
  }

  private async beat(): Promise<void> {
    try {
      await this.options.state.heartbeat(this.id, HEARTBEAT_TTL_MS, this.maxBatch, this.options.jobTimeoutMs);
      await this.options.state.publish('wake', { worker: this.id });
    } catch (error) {
      this.heartbeatFailed(error);
    }
  }

  /**
   * Refused credentials (Redis's password changed under this worker) fail every beat until an operator acts: said as
   * the connection's own errors are, once per outage and in the role's words (shared-state.ts), not as Redis's raw
   * reply twice a beat.
   */
  private heartbeatFailed(error: unknown): void {
    if (error instanceof Error && isCredentialsRefusal(error)) this.options.state.connectionError(error);
    else this.options.log?.('warn', 'worker heartbeat failed', { error: String(error) });
  }

  /**
   * Also names this worker its run's again: once cut off long enough to be told lost, its entry went with the
   * word, and a worker back at its run (its steps go on to the owners) that then dies must be told lost again.
   */
  private async stayAlive(): Promise<void> {
    const { state } = this.options;
    try {
      await markAlive(state, this.id);
      const current = this.current;
      if (current) await takeRun(state, current.run, this.id, current.retried);
    } catch (error) {
      this.heartbeatFailed(error);
    }
  }

  /**
   * One run: its jobs still in it (a retried run skips those its first try ended), in engine batches of at most
   * this worker's own max batch (a run made for a larger max, before this worker joined, still fits). `retried`:
   * whether BullMQ would run it again if this try stalled.
   */
  private async process({ run, ids }: RunData, retried: boolean): Promise<void> {
    const { state } = this.options;
    this.current = { run, retried };
    this.lostLocks.taken(run, ids);
    await takeRun(state, run, this.id, retried);
    try {
      await this.runMembers(run, ids);
      this.lostLocks.ended(run);
    } finally {
      this.current = undefined;
      await leaveRun(state, run, this.id).catch(() => undefined);
    }
  }

  private async runMembers(run: string, ids: string[]): Promise<void> {
    let left = await this.options.state.membersOf(run, ids);
    while (left.length > 0) {
      const jobs: Job[] = [];
      const batch = left.slice(0, this.maxBatch);
      for (const id of batch) this.admitting.set(id, false);
      try {
        for (const id of batch) {
          const job = await this.admit(id);
          if (job) jobs.push(job);
        }
      } catch (error) {
        this.admitting.clear();
        throw error;
      }
      left = left.slice(this.maxBatch);
      // A cancel heard while a later member was being admitted found nothing running to abort. Split and handed to
      // runBatch (which registers its jobs before its first await) with no await between: none is missed.
      const cancelled = jobs.filter((job) => this.admitting.get(job.id) === true);
      const runs = jobs.filter((job) => this.admitting.get(job.id) !== true);
      this.admitting.clear();
      const running = runs.length > 0 ? runBatch(this.batchContext, runs) : Promise.resolve();
      // Awaited below; a failure meanwhile is not an unhandled rejection.
      running.catch(() => undefined);
      // The run stays this worker's until its batch is done, even when settling a cancelled member failed.
      try {
        for (const job of cancelled) await settle(this.batchContext, job, 'cancelled', job.estimatedCost);
      } finally {
        await running;
      }
    }
  }

  /** The job if it is to run now; else ends it (already ended, cancelled, or this worker is stopping). */
  private async admit(id: string): Promise<Job | undefined> {
    const { state } = this.options;
    const job = await state.getJob(id);
    // Already settled: the previous attempt finished but died before BullMQ heard of it.
    if (!job || job.status === 'done' || job.status === 'failed' || job.status === 'cancelled') {
      await state.release(id);
      return undefined;
    }
    if (await state.cancelRequested(id)) {
      await settle(this.batchContext, job, 'cancelled', job.estimatedCost);
      return undefined;
    }
    if (this.stopping) {
      await putBack(this.batchContext, job);
      return undefined;
    }
    return job;
  }

  /**
   * Leaves the pool and lets the run in hand finish for up to `graceMs` (SHUTDOWN_GRACE_S); past that each of its
   * jobs is aborted and put back (`putBack`), so the next worker runs it as a first try. The aborted run ends within
   * one engine step; after `abortWaitMs` more this worker leaves anyway, and BullMQ retries the run once its lock
   * runs out.
   */
  async close(graceMs: number, abortWaitMs = 10_000): Promise<void> {
    this.closing = true;
    this.dataWatch.stop();
    clearTimeout(this.lostRecheck);
    // Each of start's awaits checks `closing` once it returns; one waiting for an absent Redis is left behind.
    if (this.starting)
      await within(
        this.starting.catch(() => undefined),
        GOODBYE_WAIT_MS,
        undefined,
        { unref: true },
      );
    clearInterval(this.heartbeat);
    // Bounded: with Redis away it would wait for its return; the heartbeat's TTL says the rest.
    await within(
      this.options.state.leaveWorkers(this.id).catch(() => undefined),
      GOODBYE_WAIT_MS,
      undefined,
      { unref: true },
    );
    // Idle with Redis away, BullMQ's goodbye (a QUIT) would wait for Redis's return: nothing in hand to wait for.
    const closing = this.worker?.close(this.idle() && this.options.state.redis.status !== 'ready');
    const closed = closing?.catch(() => undefined);
    if (closed && !(await settlesWithin(closed, graceMs))) {
      this.stopping = true;
      let aborted = 0;
      for (const entry of this.controllers.values()) {
        entry.reason ??= 'shutdown';
        entry.controller.abort();
        aborted += 1;
      }
      const settled = await settlesWithin(closed, aborted > 0 ? abortWaitMs : 0);
      if (!settled && aborted > 0)
        this.options.log?.('warn', 'an aborted job did not stop; it is retried once its lock runs out');
      // Left waiting for Redis: its connections are dropped rather than holding the process.
      if (!settled)
        await within(
          this.worker?.disconnect().catch(() => undefined) ?? Promise.resolve(),
          GOODBYE_WAIT_MS,
          undefined,
          {
            unref: true,
          },
        );
    }
    clearInterval(this.aliveTimer);
    if (this.subscriber) await closeConnection(this.subscriber);
  }
}

/** Whether `promise` settles within `ms`. */
function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return within(
    promise.then(() => true),
    ms,
    false,
  );
}
