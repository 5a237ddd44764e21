// A front-end's submission on its way to Redis, once its row is stored here (front-queue.ts `admit`). Until Redis has
// it, a failure is the submission's: its row ends failed here, its owner hears that it was not queued and will not
// run, and what was taken for it (the rate-limit slot) is given back. Once Redis has it, it runs whatever fails after
// (telling other processes): such a failure is only logged, never told as the job's end. Only Redis's error reply
// says it refused the write; a reply lost with the connection says nothing, so the job is read back to know.
import { setTimeout as sleep } from 'node:timers/promises';
import { ReplyError } from 'ioredis';
import { within } from '../../within.js';
import type { JobEvents } from '../events.js';
import type { SubmitInput } from '../queue-types.js';
import type { JobStore } from '../store.js';
import type { Job } from '../types.js';
import { announceReplaced, type HeldJob, type Replaced, type SharedClaim } from './shared-holds.js';
import type { SharedState } from './shared-state.js';

export interface EnqueueContext {
  state: SharedState;
  store: JobStore;
  events: Pick<JobEvents, 'emit'>;
  /** This front-end's name: the owner of the job's events. */
  frontEnd: string;
  /** Aborted by the queue's stop: a job whose write lost its reply is no longer read back (next start's catch-up). */
  stopped?: AbortSignal;
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

/** What a job Redis never took tells its owner. */
const NOT_QUEUED = { key: 'errors.job.not_queued', params: {} };

/**
 * How long a job whose write lost its reply waits to be read back (the read waits for the reconnection). Past it the
 * submission stops counting as on its way and is read back in the background until Redis answers: the reconnection
 * may have come and gone while it was on its way, its catch-up passing over it, and its owner would see "Queued"
 * until the next start.
 */
const READ_BACK_MS = 30_000;
/** Between two tries of a background read-back that failed. */
const READ_AGAIN_MS = 2_000;

/**
 * Writes the stored submission `job` to Redis. `forget`: the front-end stops counting it as on its way (Redis refused
 * it, or whether Redis has it is unknown: the mirror counts it once it shows it). Never rejects: every failure is
 * told or logged here.
 */
export async function enqueueShared(
  ctx: EnqueueContext,
  job: Job,
  input: Pick<SubmitInput, 'files' | 'notQueued'>,
  claim: SharedClaim,
  forget: () => void,
): Promise<void> {
  const { state } = ctx;
  let replaced: Replaced;
  try {
    await claim.placed;
    job.seq = await state.nextSeq();
    // One script, applied once even when ioredis resends it: the job is in Redis entirely, or not at all.
    replaced = await state.enqueue(job, input.files ?? {}, ctx.frontEnd, claim.replaced);
  } catch (error) {
    const taken = await takenAfterAll(ctx, job, claim.replaced, error);
    if (taken === undefined || taken === 'unknown') {
      forget();
      if (taken === undefined) notQueued(ctx, job, input, error);
      else
        readOn(ctx, job, input, claim.replaced, error).catch((failed: unknown) =>
          ctx.log?.('error', 'could not settle a job whose write lost its reply', {
            jobId: job.id,
            error: String(failed),
          }),
        );
      return;
    }
    replaced = taken;
  }
  await announceTaken(ctx, job, replaced);
}

/** Redis has the job: its shared order noted here, the jobs it replaced and the job itself announced. */
async function announceTaken(ctx: EnqueueContext, job: Job, replaced: Replaced): Promise<void> {
  const { state } = ctx;
  try {
    // Its shared order, for this front-end's history; the row stays queued either way, as the job is.
    ctx.store.update(job);
  } catch (error) {
    ctx.log?.('warn', 'could not note a queued job’s shared order here', {
      jobId: job.id,
      error: String(error),
    });
  }
  try {
    await announceReplaced(state, replaced);
    await state.publish('changed', { id: job.id });
    // Unheard, the dispatcher's own tick finds the job all the same.
    await state.publish('wake', { id: job.id });
  } catch (error) {
    ctx.log?.('warn', 'a job is in the shared queue, but announcing it failed', {
      jobId: job.id,
      error: String(error),
    });
  }
}

/**
 * Whether the job is in Redis after its write failed with `error`: not after an error reply (Redis refused the
 * script before it ran, or the script refused a key of the wrong type before its first write: shared-enqueue.ts);
 * else as its record, read back once reconnected, says. A reply lost with the connection is most
 * often resent by ioredis once reconnected (the write applies once: shared-enqueue.ts); this is the rest: ioredis's
 * AbortError, when part of a reply had arrived. What its replacement did to the held jobs is read back with it.
 * 'unknown': no answer in time (`readOn` goes on reading).
 */
async function takenAfterAll(
  ctx: EnqueueContext,
  job: Job,
  held: readonly HeldJob[],
  error: unknown,
): Promise<Replaced | undefined | 'unknown'> {
  if (error instanceof ReplyError) return undefined;
  const taken = await within(readBack(ctx, job, held), READ_BACK_MS, 'unknown', { unref: true });
  ctx.log?.('warn', 'a job’s write to the shared queue lost its reply', {
    jobId: job.id,
    error: String(error),
    queued: taken === 'unknown' ? 'unknown' : taken !== undefined,
  });
  return taken;
}

/** The job's record and its replacement's effect read back from Redis; 'unknown' when the read failed (logged). */
async function readBack(
  ctx: EnqueueContext,
  job: Job,
  held: readonly HeldJob[],
): Promise<Replaced | undefined | 'unknown'> {
  try {
    if ((await ctx.state.readJob(job.id)) === undefined) return undefined;
    const replaced: Replaced = { cancelled: [], flagged: [] };
    for (const { job: old } of held) {
      const record = await ctx.state.readJob(old.id);
      if (typeof record === 'object' && record.status === 'cancelled') replaced.cancelled.push(record);
      else if (await ctx.state.cancelRequested(old.id)) replaced.flagged.push(old.id);
    }
    return replaced;
  } catch (failed) {
    ctx.log?.('warn', 'could not read back a job whose write lost its reply', {
      jobId: job.id,
      error: String(failed),
    });
    return 'unknown';
  }
}

/**
 * A job whose read-back gave no answer in time, no longer on its way: read back until Redis answers, then settled as
 * the answer says, unless its row was settled meanwhile (the catch-up). Stopped by the queue's stop.
 */
async function readOn(
  ctx: EnqueueContext,
  job: Job,
  input: Pick<SubmitInput, 'notQueued'>,
  held: readonly HeldJob[],
  error: unknown,
): Promise<void> {
  let taken: Replaced | undefined | 'unknown' = 'unknown';
  while (taken === 'unknown') {
    try {
      await sleep(READ_AGAIN_MS, undefined, { signal: ctx.stopped, ref: false });
    } catch {
      return;
    }
    taken = await readBack(ctx, job, held);
  }
  if (ctx.store.get(job.id)?.status !== 'queued') return;
  if (taken === undefined) notQueued(ctx, job, input, error);
  else await announceTaken(ctx, job, taken);
}

/**
 * Redis refused the job: its row ends failed here and its owner is told, its rate-limit slot given back. A job its
 * owner cancelled meanwhile (answered "cancelled" at once) ends cancelled, with no failure told after it.
 */
function notQueued(
  ctx: EnqueueContext,
  job: Job,
  input: Pick<SubmitInput, 'notQueued'>,
  error: unknown,
): void {
  ctx.log?.('error', 'could not enqueue a job in the shared queue', { jobId: job.id, error: String(error) });
  const row = ctx.store.get(job.id);
  const cancelled = row?.status === 'cancelled' || row?.meta.cancelRequested === true;
  if (cancelled) job.meta.cancelRequested = true;
  job.status = cancelled ? 'cancelled' : 'failed';
  job.finishedAt = ctx.state.now();
  if (!cancelled) job.error = NOT_QUEUED;
  try {
    ctx.store.update(job);
  } catch (stored) {
    // Left `queued` here, the next catch-up finds it missing from Redis and ends it (errors.job.lost_before_running).
    ctx.log?.('error', 'could not record a job the shared queue refused', {
      jobId: job.id,
      error: String(stored),
    });
  }
  input.notQueued?.();
  if (!cancelled) ctx.events.emit({ type: 'failed', job });
}
