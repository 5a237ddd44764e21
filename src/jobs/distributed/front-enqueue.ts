// A front-end's submission on its way to Redis, once its row is stored here (front-queue.ts `admit`). Until Redis has
// it, a failure is the submission's: its row ends failed here, its owner hears that it was not queued and will not
// run, and what was taken for it (the rate-limit slot) is given back. Once Redis has it, it runs whatever fails after
// (telling other processes): such a failure is only logged, never told as the job's end.
import type { JobEvents } from '../events.js';
import type { SubmitInput } from '../queue-types.js';
import type { JobStore } from '../store.js';
import type { Job } from '../types.js';
import { announceReplaced, type Replaced, type SharedClaim } from './shared-holds.js';
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
 * Writes the stored submission `job` to Redis. `forget`: the front-end stops counting it as on its way (Redis refused
 * it). Never rejects: every failure is told or logged here.
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
    forget();
    notQueued(ctx, job, input, error);
    return;
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
    // Left `queued` here, the next catch-up finds it missing from Redis and ends it (errors.job.not_stored).
    ctx.log?.('error', 'could not record a job the shared queue refused', {
      jobId: job.id,
      error: String(stored),
    });
  }
  input.notQueued?.();
  ctx.events.emit({ type: 'failed', job });
}
