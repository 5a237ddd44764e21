// The jobs of one worker run that go through the engine together, as the single process's run does
// (src/jobs/run-batch.ts): one engine call (`generateAll`: `generate` for one, `generateBatch` for several sharing
// forward passes), while each job keeps its own abort (cancel, timeout, shutdown), progress to its own front-end in
// order, outcome and refund. A job cancelled or failed part-way is charged only the share of its steps that ran; one
// stopped by the worker's shutdown goes back on its owner's waiting list, uncharged, and its owner is told (paused).
import type { Engine, EngineRequest, EngineResult } from '../../../engine/index.js';
import { Failure, generateAll, runCost } from '../engine-run.js';
import { paceType } from '../eta-calibration.js';
import { jobErrorFor, type StopReason } from '../job-failure.js';
import { materializeRequest, recordResult } from '../job-parts.js';
import type { Job } from '../types.js';
import { publishJobEvent } from './dispatcher.js';
import { calibrate, expectedMs, readPace } from './shared-pace.js';
import type { SharedState } from './shared-state.js';

export interface WorkerMetrics {
  busy?(busy: boolean): void;
  step?(ms: number): void;
}

/**
 * A job with the engine, and why it was aborted: its owner cancelled it, it ran too long, a shutdown, or its record
 * went with Redis's data (`lost`: a FLUSHDB, its keys deleted), so no one would get its result.
 */
export interface Running {
  /** The record its events carry: a cancel marks it, so the progress still reported says so. */
  job: Job;
  controller: AbortController;
  reason?: StopReason | 'lost';
}

interface Entry extends Running {
  /** The share of its steps that ran: a job ended early keeps only that much of its charge. */
  ran: number;
  /** Progress goes out in order on this one connection; a chain keeps a slow preview from overtaking `done`. */
  sending: Promise<void>;
  timer?: NodeJS.Timeout;
}

export interface BatchContext {
  state: SharedState;
  engine: Pick<Engine, 'generate'> & Partial<Pick<Engine, 'generateBatch'>>;
  workerId: string;
  jobTimeoutMs: number;
  previewIntervalMs?: number;
  maxInputPixels?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
  metrics?: WorkerMetrics;
  /** Every job this worker has with the engine, for a cancel or the shutdown to abort. */
  running: Map<string, Running>;
  /** The job types (`paceType`) this worker process has run: its first run of one also warmed the engine up. */
  warm: Set<string>;
}

export async function runBatch(ctx: BatchContext, jobs: readonly Job[]): Promise<void> {
  const { state } = ctx;
  const entries: Entry[] = jobs.map((job) => {
    const entry: Entry = { job, controller: new AbortController(), ran: 0, sending: Promise.resolve() };
    ctx.running.set(job.id, entry);
    entry.timer = setTimeout(() => {
      entry.reason = 'timeout';
      entry.controller.abort();
    }, ctx.jobTimeoutMs);
    return entry;
  });
  try {
    const pace = await readPace(state);
    const etaMs = Math.round(jobs.reduce((sum, job) => sum + expectedMs(pace, job), 0));
    for (const entry of entries) {
      const { job } = entry;
      job.status = 'running';
      job.attempts += 1;
      job.startedAt = state.now();
      // Gone since its admission (a FLUSHDB): lost, never started for an owner who is told so (their own watch).
      if (!(await state.saveStarted(job))) {
        entry.reason = 'lost';
        entry.controller.abort();
        continue;
      }
      // Jobs batched together all take the batch's time.
      await publishJobEvent(state, { type: 'started', job, etaMs });
    }
    ctx.metrics?.busy?.(true);
    await runEntries(ctx, entries);
  } finally {
    for (const entry of entries) {
      clearTimeout(entry.timer);
      ctx.running.delete(entry.job.id);
    }
    ctx.metrics?.busy?.(false);
  }
}

async function runEntries(ctx: BatchContext, entries: Entry[]): Promise<void> {
  const { state } = ctx;
  const started = performance.now();
  let lastStep = started;
  const ready: Array<{ entry: Entry; request: EngineRequest }> = [];
  for (const entry of entries) {
    // Its record was gone at its start: no engine time for it (endEarly writes nothing, tells no one).
    if (entry.reason === 'lost') {
      await endEarly(ctx, entry, undefined);
      continue;
    }
    try {
      ready.push({ entry, request: await materialize(ctx, entry.job) });
    } catch (error) {
      await endEarly(ctx, entry, error);
    }
  }
  // One engine step advances every job of a batch: its time is measured on the first job still running.
  const pacing = () => ready.find(({ entry }) => !entry.controller.signal.aborted)?.entry;
  const outcomes = await generateAll(
    ctx.engine,
    ready.map(({ entry, request }) => ({
      request,
      options: {
        signal: entry.controller.signal,
        previewIntervalMs: ctx.previewIntervalMs,
        onProgress: (p) => {
          // The finishing report comes straight after the last step: it is no step to time.
          if (pacing() === entry && p.phase === undefined) {
            const now = performance.now();
            ctx.metrics?.step?.(now - lastStep);
            lastStep = now;
          }
          if (p.total > 0) entry.ran = Math.min(1, p.step / p.total);
          const preview = p.preview && {
            width: p.preview.width,
            height: p.preview.height,
            data: Buffer.from(p.preview.data).toString('base64'),
          };
          const { job } = entry;
          entry.sending = entry.sending.then(() =>
            publishJobEvent(state, {
              type: 'progress',
              job,
              step: p.step,
              total: p.total,
              preview,
              ...(p.phase && { phase: p.phase }),
            }).catch(() => undefined),
          );
        },
      },
    })),
  );
  const elapsedMs = performance.now() - started;
  const readyCost = runCost(
    ready.map(({ entry }) => entry),
    outcomes,
  );
  let calibrated = false;
  for (const [i, { entry }] of ready.entries()) {
    const outcome = outcomes[i];
    const { job } = entry;
    await entry.sending;
    try {
      if (outcome instanceof Failure) throw outcome.error;
      await recordResult(job, outcome as EngineResult, (name, bytes) => state.writeFile(job.id, name, bytes));
      job.measuredMs = Math.round(elapsedMs);
      job.deviceMs = Math.round((elapsedMs * job.estimatedCost) / Math.max(readyCost, job.estimatedCost, 1));
      if (!calibrated) await learnPace(ctx, job, elapsedMs / Math.max(readyCost, 1));
      calibrated = true;
      await settle(ctx, job, 'done', 0);
    } catch (error) {
      await endEarly(ctx, entry, error);
    }
  }
}

/**
 * Feeds a run's pace into the shared one, overall and for its job type (a batch's jobs share one: batchKey is of
 * one task and shape).
 */
async function learnPace(ctx: BatchContext, job: Job, observedMsPerUnit: number): Promise<void> {
  const type = paceType(job);
  const cold = !ctx.warm.has(type);
  ctx.warm.add(type);
  await calibrate(ctx.state, observedMsPerUnit, { type, cold });
}

/** A job that ended before its result: put back (shutdown), cancelled, or failed, keeping the share that ran. */
async function endEarly(ctx: BatchContext, entry: Entry, error: unknown): Promise<void> {
  const { job } = entry;
  const unused = job.estimatedCost * (1 - entry.ran);
  // A job its owner cancelled meanwhile ends cancelled rather than going back to run again.
  if (entry.reason === 'shutdown' && !(await ctx.state.cancelRequested(job.id))) {
    job.attempts = Math.max(0, job.attempts - 1);
    await putBack(ctx, job);
  } else if (entry.reason === 'cancel' || entry.reason === 'shutdown' || entry.reason === 'lost') {
    // A lost one is never put back: its record is gone, so this writes nothing and tells no one.
    await settle(ctx, job, 'cancelled', unused);
  } else {
    // The single-process queue's wording (a timeout's limit in milliseconds, a full disk named as such).
    job.error = jobErrorFor(error, entry.reason, ctx.jobTimeoutMs);
    ctx.log?.('warn', 'job failed', { jobId: job.id, error: String(error) });
    await settle(ctx, job, 'failed', unused);
  }
}

/**
 * Records the outcome, takes the job out of its run and refunds `refund` of the charge in one step, tells the
 * owner, and wakes the dispatcher. A record that already ended (the apology for a run thought dead) keeps its
 * outcome.
 */
export async function settle(
  ctx: BatchContext,
  job: Job,
  status: 'done' | 'failed' | 'cancelled',
  refund: number,
): Promise<void> {
  const { state } = ctx;
  job.status = status;
  job.finishedAt = state.now();
  if (await state.finish(job, refund)) await publishJobEvent(state, { type: status, job });
  await state.publish('wake', { worker: ctx.workerId });
}

/**
 * Puts a job this worker's shutdown stopped back on its owner's waiting list, as before its claim (attempt and
 * charge undone). Its run's BullMQ job then completes: left to stall instead, it would spend its one retry. The
 * dispatcher hands the job out again in a run of a new id.
 */
export async function putBack(ctx: BatchContext, job: Job): Promise<void> {
  const { state } = ctx;
  // Its owner saw it start (here, or on a worker that died before this retry): their status would stay frozen at
  // its last step until the next worker starts it. One never started still shows its place, which is still true.
  const started = job.status === 'running';
  job.status = 'queued';
  job.startedAt = undefined;
  if (await state.putBack(job)) {
    ctx.log?.('info', 'job put back into the queue for another worker', { jobId: job.id });
    if (started) await publishJobEvent(state, { type: 'paused', job, restarts: true, reason: 'worker' });
    else await state.publish('changed', { id: job.id });
  }
}

function materialize(ctx: BatchContext, job: Job): Promise<EngineRequest> {
  return materializeRequest(job, (name) => ctx.state.readFile(job.id, name), ctx.maxInputPixels);
}
