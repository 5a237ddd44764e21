// One GPU worker (`dimoo worker`): takes jobs the dispatcher handed to the BullMQ work queue, one at a time, runs
// them through the engine and reports started/progress/done to the owning front-end over Redis pub/sub. BullMQ's
// job lock is the worker's lease on the job: a worker killed mid-job stops renewing it, another worker's stalled
// check puts the job back once (`maxStalledCount: 1`) and it re-runs there; a second stall fails it and the
// dispatcher sends the apology.
import { randomUUID } from 'node:crypto';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { type Engine, EngineError, type EngineRequest } from '../../../engine/index.js';
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

export class DistributedWorker {
  readonly id = randomUUID();
  private worker: Worker | undefined;
  private subscriber: Redis | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly controllers = new Map<
    string,
    { controller: AbortController; reason?: 'cancel' | 'timeout' }
  >();

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
      await this.settle(job, 'cancelled');
      return;
    }
    const entry: { controller: AbortController; reason?: 'cancel' | 'timeout' } = {
      controller: new AbortController(),
    };
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
      await this.settle(job, 'done');
    } catch (error) {
      await sending;
      if (entry.reason === 'cancel') {
        await this.settle(job, 'cancelled');
      } else {
        job.error =
          entry.reason === 'timeout'
            ? {
                key: 'errors.job.timeout',
                params: { minutes: Math.round(this.options.jobTimeoutMs / 60_000) },
              }
            : error instanceof EngineError
              ? { key: `errors.engine.${error.code}`, params: error.params }
              : { key: 'errors.generic', params: {} };
        this.options.log?.('warn', 'job failed', { jobId: id, error: String(error) });
        await this.settle(job, 'failed');
      }
    } finally {
      clearTimeout(timer);
      this.controllers.delete(id);
      this.options.metrics?.busy?.(false);
    }
  }

  /** Records the outcome, frees the worker slot, tells the owner, and wakes the dispatcher. */
  private async settle(job: Job, status: 'done' | 'failed' | 'cancelled'): Promise<void> {
    const { state } = this.options;
    job.status = status;
    job.finishedAt = Date.now();
    await state.saveJob(job);
    await state.release(job.id);
    await publishJobEvent(state, { type: status, job });
    await state.publish('wake', { worker: this.id });
  }

  private materialize(job: Job): Promise<EngineRequest> {
    return materializeRequest(
      job,
      (name) => this.options.state.readFile(job.id, name),
      this.options.maxInputPixels,
    );
  }

  /** Finishes the job in hand (up to `waitMs`), then leaves; an unfinished job is retried by another worker. */
  async close(waitMs = 30_000): Promise<void> {
    clearInterval(this.heartbeat);
    await this.options.state.leaveWorkers(this.id).catch(() => undefined);
    const closing = this.worker?.close();
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, waitMs).unref());
    await Promise.race([closing, deadline]);
    await this.subscriber?.quit().catch(() => undefined);
  }
}
