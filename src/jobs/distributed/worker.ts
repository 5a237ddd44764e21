// One GPU worker (`dimoo worker`): takes jobs the dispatcher handed to the BullMQ work queue, one at a time, runs
// them through the engine and reports started/progress/done to the owning front-end over Redis pub/sub. BullMQ's
// job lock is the worker's lease on the job: a worker killed mid-job stops renewing it, another worker's stalled
// check puts the job back once (`maxStalledCount: 1`) and it re-runs there; a second stall fails it and the
// dispatcher sends the apology. A job cancelled or failed part-way is charged only the share of its steps that ran,
// as in single-process mode; one stopped by this worker's shutdown goes back on its owner's waiting list, uncharged.
import { randomUUID } from 'node:crypto';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Engine, EngineRequest } from '../../../engine/index.js';
import { within } from '../../within.js';
import { jobErrorFor, type StopReason } from '../job-failure.js';
import { materializeRequest, recordResult } from '../job-parts.js';
import type { Job } from '../types.js';
import { publishJobEvent, WORK_QUEUE, workQueueOptions } from './dispatcher.js';
import type { SharedState } from './shared-state.js';

export interface WorkerMetrics {
  busy?(busy: boolean): void;
  step?(ms: number): void;
}

export interface DistributedWorkerOptions {
  state: SharedState;
  url: string;
  engine: Pick<Engine, 'generate' | 'info'>;
  jobTimeoutMs: number;
  previewIntervalMs?: number;
  maxInputPixels?: number;
  /** How long a job's lock lives without renewal: a dead worker's job is retried after about this long. */
  lockMs?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
  metrics?: WorkerMetrics;
}

const HEARTBEAT_MS = 2000;

/** Why a running job was aborted: its owner cancelled it, it ran too long, or this worker is shutting down. */
interface Running {
  controller: AbortController;
  reason?: StopReason;
}

export class DistributedWorker {
  readonly id = randomUUID();
  private worker: Worker | undefined;
  private subscriber: Redis | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly controllers = new Map<string, Running>();
  /** Past the shutdown grace: a job still starting is put back instead of run. */
  private stopping = false;

  constructor(private readonly options: DistributedWorkerOptions) {}

  async start(): Promise<void> {
    const { state } = this.options;
    this.subscriber = state.subscriber(`worker-${this.id}`);
    // A cancel published while this worker was cut off is lost, but its flag is in Redis.
    await state.subscribeWithRecovery(
      this.subscriber,
      [state.channel('cancel')],
      () => void this.recheckCancels(),
    );
    this.subscriber.on('message', (_channel, message) =>
      this.abortCancelled((JSON.parse(message) as { id: string }).id),
    );
    const lockMs = this.options.lockMs ?? 15_000;
    this.worker = new Worker(WORK_QUEUE, async (bull) => this.process((bull.data as { id: string }).id), {
      ...workQueueOptions(this.options.url, state.prefix),
      concurrency: 1,
      lockDuration: lockMs,
      stalledInterval: lockMs,
      maxStalledCount: 1,
      removeOnComplete: { count: 0 },
      removeOnFail: { count: 1000 },
    });
    this.worker.on('error', (error) =>
      this.options.log?.('warn', 'worker queue error', { error: String(error) }),
    );
    await this.worker.waitUntilReady();
    await this.beat();
    this.heartbeat = setInterval(() => void this.beat(), HEARTBEAT_MS);
  }

  private abortCancelled(id: string): void {
    const entry = this.controllers.get(id);
    if (entry) {
      entry.reason = 'cancel';
      entry.controller.abort();
    }
  }

  private async recheckCancels(): Promise<void> {
    const { state } = this.options;
    try {
      for (const id of [...this.controllers.keys()])
        if (await state.cancelRequested(id)) this.abortCancelled(id);
    } catch (error) {
      this.options.log?.('warn', 'rechecking cancels after a reconnection failed', { error: String(error) });
    }
  }

  private async beat(): Promise<void> {
    try {
      await this.options.state.heartbeat(this.id, HEARTBEAT_MS * 3);
      await this.options.state.publish('wake', { worker: this.id });
    } catch (error) {
      this.options.log?.('warn', 'worker heartbeat failed', { error: String(error) });
    }
  }

  private async process(id: string): Promise<void> {
    const { state } = this.options;
    const job = await state.getJob(id);
    // Already settled: the previous attempt finished but died before BullMQ heard of it.
    if (!job || job.status === 'done' || job.status === 'failed' || job.status === 'cancelled') {
      await state.release(id);
      return;
    }
    if (await state.cancelRequested(id)) {
      await this.settle(job, 'cancelled', job.estimatedCost);
      return;
    }
    if (this.stopping) {
      await this.putBack(job);
      return;
    }
    const entry: Running = { controller: new AbortController() };
    this.controllers.set(id, entry);
    const timer = setTimeout(() => {
      entry.reason = 'timeout';
      entry.controller.abort();
    }, this.options.jobTimeoutMs);
    job.status = 'running';
    job.attempts += 1;
    job.startedAt = Date.now();
    await state.saveJob(job);
    const msPerUnit = (await state.msPerUnit()) ?? 0.002;
    await publishJobEvent(state, { type: 'started', job, etaMs: Math.round(job.estimatedCost * msPerUnit) });
    this.options.metrics?.busy?.(true);
    const started = performance.now();
    let lastStep = started;
    // The share of its steps that ran: a job ended early keeps only that much of its charge.
    let ran = 0;
    // Progress goes out in order on this one connection; a chain keeps a slow preview from overtaking `done`.
    let sending: Promise<void> = Promise.resolve();
    try {
      const request = await this.materialize(job);
      const result = await this.options.engine.generate(request, {
        signal: entry.controller.signal,
        previewIntervalMs: this.options.previewIntervalMs,
        onProgress: (p) => {
          const now = performance.now();
          this.options.metrics?.step?.(now - lastStep);
          lastStep = now;
          if (p.total > 0) ran = Math.min(1, p.step / p.total);
          const preview = p.preview && {
            width: p.preview.width,
            height: p.preview.height,
            data: Buffer.from(p.preview.data).toString('base64'),
          };
          sending = sending.then(() =>
            publishJobEvent(state, { type: 'progress', job, step: p.step, total: p.total, preview }).catch(
              () => undefined,
            ),
          );
        },
      });
      await sending;
      const elapsedMs = performance.now() - started;
      await recordResult(job, result, (name, bytes) => state.writeFile(job.id, name, bytes));
      job.measuredMs = Math.round(elapsedMs);
      await state.calibrate(elapsedMs / Math.max(job.estimatedCost, 1));
      await this.settle(job, 'done', 0);
    } catch (error) {
      await sending;
      const unused = job.estimatedCost * (1 - ran);
      // A job its owner cancelled meanwhile ends cancelled rather than going back to run again.
      if (entry.reason === 'shutdown' && !(await state.cancelRequested(id))) {
        job.attempts = Math.max(0, job.attempts - 1);
        await this.putBack(job);
      } else if (entry.reason === 'cancel' || entry.reason === 'shutdown') {
        await this.settle(job, 'cancelled', unused);
      } else {
        // The single-process queue's wording (a timeout's limit in milliseconds, a full disk named as such).
        job.error = jobErrorFor(error, entry.reason, this.options.jobTimeoutMs);
        this.options.log?.('warn', 'job failed', { jobId: id, error: String(error) });
        await this.settle(job, 'failed', unused);
      }
    } finally {
      clearTimeout(timer);
      this.controllers.delete(id);
      this.options.metrics?.busy?.(false);
    }
  }

  /**
   * Records the outcome, frees the worker slot and refunds `refund` of the charge in one step, tells the owner, and
   * wakes the dispatcher. A record that already ended (the apology for a run thought dead) keeps its outcome.
   */
  private async settle(job: Job, status: 'done' | 'failed' | 'cancelled', refund: number): Promise<void> {
    const { state } = this.options;
    job.status = status;
    job.finishedAt = Date.now();
    if (await state.finish(job, refund)) await publishJobEvent(state, { type: status, job });
    await state.publish('wake', { worker: this.id });
  }

  /**
   * Puts a job this worker's shutdown stopped back on its owner's waiting list, as before its claim (attempt and
   * charge undone), and completes its BullMQ job: left to stall instead, it would spend its one retry. A dispatcher
   * that hands it out again before that completion finds its BullMQ id still taken; its next tick's reconciliation
   * hands it over then.
   */
  private async putBack(job: Job): Promise<void> {
    const { state } = this.options;
    job.status = 'queued';
    job.startedAt = undefined;
    if (await state.putBack(job)) {
      this.options.log?.('info', 'job put back into the queue for another worker', { jobId: job.id });
      await state.publish('changed', { id: job.id });
    }
  }

  private materialize(job: Job): Promise<EngineRequest> {
    return materializeRequest(
      job,
      (name) => this.options.state.readFile(job.id, name),
      this.options.maxInputPixels,
    );
  }

  /**
   * Leaves the pool and lets the job in hand finish for up to `graceMs` (SHUTDOWN_GRACE_S); past that it is aborted
   * and put back (`putBack`), so the next worker runs it as a first try. The aborted run ends within one engine
   * step; after `abortWaitMs` more this worker leaves anyway, and BullMQ retries the job once its lock runs out.
   */
  async close(graceMs = 30_000, abortWaitMs = 10_000): Promise<void> {
    clearInterval(this.heartbeat);
    await this.options.state.leaveWorkers(this.id).catch(() => undefined);
    const closing = this.worker?.close().catch(() => undefined);
    if (closing && !(await settlesWithin(closing, graceMs))) {
      this.stopping = true;
      for (const entry of this.controllers.values()) {
        entry.reason ??= 'shutdown';
        entry.controller.abort();
      }
      if (!(await settlesWithin(closing, abortWaitMs)))
        this.options.log?.('warn', 'an aborted job did not stop; it is retried once its lock runs out');
    }
    await this.subscriber?.quit().catch(() => undefined);
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
