// A front-end's submission on its way to Redis, once its row is stored here (front-queue.ts `admit`). Until Redis has
// it, a failure is the submission's: its row ends failed here, its owner hears that it was not queued and will not
// run, and what was taken for it (the rate-limit slot) is given back. Once Redis has it, it runs whatever fails after
// (telling other processes): such a failure is only logged, never told as the job's end. Only Redis's error reply
// says it refused the write; a reply lost with the connection says nothing, so the job is read back to know.
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
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

/** What a job Redis never took tells its owner. */
const NOT_QUEUED = { key: 'errors.job.not_queued', params: {} };

/**
 * How long a job whose write lost its reply waits to be read back (the read waits for the reconnection). Past it the
 * submission stops counting as on its way, so the catch-up after the reconnection settles the job from Redis.
 */
const READ_BACK_MS = 30_000;

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
    // One MULTI: the job is in Redis entirely, or not at all.
    replaced = await state.enqueue(job, input.files ?? {}, ctx.frontEnd, claim.replaced);
  } catch (error) {
    const taken = await takenAfterAll(ctx, job, claim.replaced, error);
    if (taken === undefined || taken === 'unknown') {
      forget();
      if (taken === undefined) notQueued(ctx, job, input, error);
      return;
    }
    replaced = taken;
  }
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
 * Whether the job is in Redis after its write failed with `error`: not after an error reply (a refused MULTI applies
 * nothing); else (the connection closed before the reply: ioredis's AbortError, not resent) as its record, read back
 * once reconnected, says. What its replacement did to the held jobs is read back with it. 'unknown': no answer in
 * time; its row stays queued, for the catch-up after the reconnection (front-delivery.ts) to settle.
 */
async function takenAfterAll(
  ctx: EnqueueContext,
  job: Job,
  held: readonly HeldJob[],
  error: unknown,
): Promise<Replaced | undefined | 'unknown'> {
  if (error instanceof ReplyError) return undefined;
  const readBack = async (): Promise<Replaced | undefined> => {
    if ((await ctx.state.readJob(job.id)) === undefined) return undefined;
    const replaced: Replaced = { cancelled: [], flagged: [] };
    for (const { job: old } of held) {
      const record = await ctx.state.readJob(old.id);
      if (typeof record === 'object' && record.status === 'cancelled') replaced.cancelled.push(record);
      else if (await ctx.state.cancelRequested(old.id)) replaced.flagged.push(old.id);
    }
    return replaced;
  };
  const read = readBack().catch((failed: unknown) => {
    ctx.log?.('warn', 'could not read back a job whose write lost its reply', {
      jobId: job.id,
      error: String(failed),
    });
    return 'unknown' as const;
  });
  const taken = await within(read, READ_BACK_MS, 'unknown', { unref: true });
  ctx.log?.('warn', 'a job’s write to the shared queue lost its reply', {
    jobId: job.id,
    error: String(error),
    queued: taken === 'unknown' ? 'unknown' : taken !== undefined,
  });
  return taken;
}

/** Redis refused the job: its row ends failed here and its owner is told, its rate-limit slot given back. */
function notQueued(
  ctx: EnqueueContext,
  job: Job,
  input: Pick<SubmitInput, 'notQueued'>,
  error: unknown,
): void {
  ctx.log?.('error', 'could not enqueue a job in the shared queue', { jobId: job.id, error: String(error) });
  job.status = 'failed';
  job.finishedAt = ctx.state.now();
  job.error = NOT_QUEUED;
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
  ctx.events.emit({ type: 'failed', job });
}
