// How a front-end takes the events of its own jobs that workers publish on its channel, and the ends it missed while
// it could not hear them: a result is copied into its local JobStore before the event goes to its listeners, and
// Redis may forget an ended job only once this front-end has it.
import type { RgbImage } from '../../../engine/index.js';
import type { JobEvents } from '../events.js';
import { resultFiles } from '../job-parts.js';
import type { JobStore } from '../store.js';
import { ENDED_STATUSES, type Job } from '../types.js';
import { FILE_TTL_S, type SharedState } from './shared-state.js';
import type { WireEvent } from './wire-events.js';

export interface DeliveryContext {
  state: SharedState;
  store: JobStore;
  events: JobEvents;
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

const RESULT_LOST = { key: 'errors.job.result_lost', params: {} };

/** The operator's line for a job Redis lost while it ran. */
export const QUEUE_LOST_LOG =
  'a running job is gone from the shared queue: did Redis restart without keeping its data?';

export async function deliver(ctx: DeliveryContext, event: WireEvent): Promise<void> {
  const { store } = ctx;
  const job = event.job;
  // A job's end is reported once, whether it came live or from the catch-up after a restart.
  const known = store.get(job.id);
  if (known && ENDED_STATUSES.has(known.status)) return acknowledgeEnd(ctx, job);
  // A cancel asked here goes out with every later event of the job, those the worker sent before it heard too; one
  // the worker heard of first (asked at another front-end) is kept here for a history page rebuilt meanwhile.
  if (known?.meta.cancelRequested === true) job.meta.cancelRequested = true;
  else if (known && job.meta.cancelRequested === true && event.type === 'progress')
    markCancelRequested(store, job.id);
  if (event.type === 'done') {
    const files = await Promise.all(
      resultFiles(job).map(async (file) => ({ file, bytes: await ctx.state.storedFile(job.id, file) })),
    );
    // Expired from Redis (its front-end was away longer than the files are kept): trying again at every catch-up
    // would never find it, and its owner would never hear. Told once, as a failure, and cleared like any end.
    if (files.some(({ bytes }) => bytes === undefined)) {
      ctx.log?.('warn', 'a finished job’s result is no longer in the shared queue; its owner is told', {
        jobId: job.id,
      });
      const lost: Job = { ...job, status: 'failed', error: RESULT_LOST, result: undefined };
      return deliver(ctx, { type: 'failed', job: lost });
    }
    for (const { file, bytes } of files) store.writeFile(job.id, file, bytes as Buffer);
  }
  if (event.type !== 'progress') {
    if (known) store.update(job);
    else store.insert({ ...job, seq: store.nextSeq() });
  }
  if (event.type === 'progress') {
    const preview: RgbImage | undefined = event.preview && {
      width: event.preview.width,
      height: event.preview.height,
      data: new Uint8Array(Buffer.from(event.preview.data, 'base64')),
    };
    // A phase this version does not know (a newer worker's) is shown as the step it came with.
    const phase = event.phase === 'finishing' ? { phase: event.phase } : {};
    ctx.events.emit({ type: 'progress', job, step: event.step, total: event.total, preview, ...phase });
  } else {
    ctx.events.emit(event);
    if (ENDED_STATUSES.has(event.type)) await acknowledgeEnd(ctx, job);
  }
}

/**
 * Its owner asked to cancel a job a worker has: its local record says so, as the single process's does, until the
 * job's end arrives. A store that cannot write (disk full) leaves the worker's own flag to say it.
 */
export function markCancelRequested(store: JobStore, id: string): void {
  const job = store.get(id);
  if (!job || job.meta.cancelRequested === true) return;
  job.meta.cancelRequested = true;
  try {
    store.update(job);
  } catch {
    // The cancel itself goes on: only this front-end's word "stopping" may wait for the worker's.
  }
}

/** What the catch-up asks of the front-end: whether a job is still on its way to Redis, and a cancel written. */
export interface CatchUpHooks {
  pending(id: string): boolean;
  /** A cancel its owner was answered that the shared record does not show yet (front-cancel.ts `resendCancel`). */
  resendCancel(id: string): void;
}

/**
 * This front-end's unfinished jobs checked against their records, where an end it did not hear (it was down, or
 * cut off) shows, and a cancel asked here that was never written (its local record keeps the mark) is sent again.
 */
export async function catchUp(ctx: DeliveryContext, hooks: CatchUpHooks): Promise<void> {
  const queueLost: string[] = [];
  const since = memo(() => ctx.state.dataSince());
  for (const local of ctx.store.byStatus('queued', 'running')) {
    // One job that cannot be reported now (its result gone from Redis) must not keep the others' ends from their
    // owners; it is tried again at the next catch-up.
    await catchUpOne(ctx, local, hooks, { since, queueLost }).catch((error: unknown) => {
      ctx.log?.('warn', 'catching up on a finished job failed', { jobId: local.id, error: String(error) });
    });
  }
  // One line for an empty restart, not one per job it took.
  if (queueLost.length > 0)
    ctx.log?.('warn', QUEUE_LOST_LOG, { jobs: queueLost.length, jobIds: queueLost.slice(0, 10) });
}

function memo<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => {
    made ??= make();
    return made;
  };
}

async function catchUpOne(
  ctx: DeliveryContext,
  local: Job,
  hooks: CatchUpHooks,
  lost: { since: () => Promise<{ since: number; made: boolean }>; queueLost: string[] },
): Promise<void> {
  const shared = await ctx.state.readJob(local.id);
  if (shared === 'malformed') {
    // Damaged, or written over by another program: no worker can run it and no end will come. Its owner hears it
    // failed (it was saved: "never saved" would be false), once: its local record ends here.
    await failLocal(ctx, local, 'errors.generic');
  } else if (shared && ENDED_STATUSES.has(shared.status)) {
    await deliver(ctx, { type: shared.status as 'done' | 'failed' | 'cancelled', job: shared });
  } else if (!shared && local.status === 'running') {
    // It ran from Redis, so Redis had it. "Never saved" would be false; Redis lost its data (restarted without
    // persistence, or flushed: the operator is told what to look at) if it lost it since the job ran, and surely if
    // the job started less than an ended record's life ago: its record cannot have expired. Else, its mark written
    // only now (every connection writes it; a flush no reconnection followed leaves it to this catch-up), when is
    // unknown: the record may have expired, the result lost.
    const started = local.startedAt ?? local.createdAt;
    const { since, made } = await lost.since();
    const unexpired = ctx.state.now() - started < FILE_TTL_S * 1000;
    if (unexpired || (!made && (Number.isNaN(since) || since >= started))) {
      lost.queueLost.push(local.id);
      await failLocal(ctx, local, 'errors.job.queue_lost');
    } else await failLocal(ctx, local, RESULT_LOST.key);
  } else if (!shared && !hooks.pending(local.id)) {
    // Accepted here, then gone before it ran: the process ended before Redis acknowledged it, or Redis lost its data
    // (restarted empty) while the job waited. Nothing here tells the two apart, so the words are true of both.
    await failLocal(ctx, local, 'errors.job.lost_before_running');
  } else if (shared && local.meta.cancelRequested === true) {
    // Still waiting or running though its owner was told it is cancelled or stopping. Written already (or asked at
    // another front-end, whose worker's word marked it here), the cancel is only flagged and announced again.
    hooks.resendCancel(local.id);
  }
}

/** Ends a job only this front-end's store knows, as failed with `key`, and tells its owner. */
async function failLocal(ctx: DeliveryContext, local: Job, key: string): Promise<void> {
  local.status = 'failed';
  local.finishedAt = ctx.state.now();
  local.error = { key, params: {} };
  await deliver(ctx, { type: 'failed', job: local });
}

/**
 * This front-end has the job's end in its own store: Redis may forget it (record in a day, files and owner entry
 * now). Until then the record stays, for a restart's catch-up to report; a failure here only delays the cleanup.
 */
async function acknowledgeEnd(ctx: DeliveryContext, job: Job): Promise<void> {
  await ctx.state.acknowledgeEnd(job).catch((error: unknown) => {
    ctx.log?.('warn', 'clearing an ended job from the shared queue failed', {
      jobId: job.id,
      error: String(error),
    });
  });
}
