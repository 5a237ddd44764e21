// A cancel asked at a front-end: any front-end can cancel any job it can see in the shared state. A waiting job is
// taken off its list at once (an atomic removal, so a dispatcher cannot hand it out at the same moment); a job
// already with a worker is aborted there. The owner's front-end gets the `cancelled` event either way.
// The answer ("cancelled", "stopping") is given before the write reaches Redis; a write Redis refuses is tried again
// (`writeCancel`), so that answer is not left standing as a false one.
import { setTimeout as sleep } from 'node:timers/promises';
import type { CancelResult } from '../queue-types.js';
import type { JobStore } from '../store.js';
import type { Job, Owner } from '../types.js';
import { ENDED_STATUSES, ownerKey, ownerOf } from '../types.js';
import { markCancelRequested } from './front-delivery.js';
import type { Snapshot } from './shared-snapshot.js';
import type { SharedState } from './shared-state.js';

/** What the front-end knows that a cancel reads, live. */
export interface CancelContext {
  state: SharedState;
  /** This front-end's own jobs' records. */
  store: JobStore;
  mirror: () => Snapshot;
  get: (id: string) => Job | undefined;
  /** Waiting jobs: the mirror plus this front-end's submissions on their way, less those leaving. */
  queued: () => Job[];
  /** Held jobs an admitted replacement cancels already. */
  leaving: ReadonlySet<string>;
  /** Submissions still being written to Redis: a cancel of one waits for its write. */
  pending: ReadonlyMap<string, Promise<void>>;
  /** Cancels still being written, kept for the holds (a released hold must not free a job being cancelled). */
  cancelling: Map<string, Promise<void>>;
  /** Aborted when this front-end stops: a cancel still being tried again is given up. */
  stopped: AbortSignal;
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

/** The wait before a refused cancel write is tried again; it doubles at each refusal, up to `RETRY_MAX_MS`. */
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 30_000;

export function cancelJob(ctx: CancelContext, id: string, by: Owner, asAdmin: boolean): CancelResult {
  const job = ctx.get(id) ?? mirrorRunning(ctx.mirror(), id);
  if (!job) return 'not_found';
  if (ownerKey(job.owner) !== ownerKey(by) && !asAdmin) return 'refused';
  if (ctx.leaving.has(id)) return 'cancelled';
  const waiting = ctx.queued().some((j) => j.id === id);
  // Cancelling twice answers as the first time did (as JobQueue.cancel does), not "already finished". An end this
  // front-end holds was delivered (its record is written before the event goes out), though the mirror may still
  // show the run: "stopping" now would come after the job's final state.
  if (
    ENDED_STATUSES.has(job.status) ||
    (!waiting && !ctx.mirror().dispatched.has(id) && job.status !== 'running')
  )
    return job.status === 'cancelled' ? 'cancelled' : 'finished';
  // Its progress still on its way from the worker says "stopping" from now on (front-delivery.ts); a waiting job's
  // too, as a worker may have taken it just now (the mirror is behind Redis): answered "cancelled", its message
  // must not show that run's steps until "Cancelled." comes. Marked, it is told no new place either.
  markCancelRequested(ctx.store, id);
  startWrite(ctx, id);
  return waiting ? 'cancelled' : 'cancelling';
}

/**
 * A cancel answered before this front-end last stopped but never written (Redis refused it until the stop gave it
 * up; the job's local record kept the mark, `writeCancel`): found by the catch-up at the next start while the job's
 * shared record is still unfinished, and written as the first time, so the job does not run after all.
 */
export function resendCancel(ctx: CancelContext, id: string): void {
  startWrite(ctx, id);
}

/**
 * Writes the cancel unless a write of it is still being tried (a second press, a catch-up after a reconnection):
 * that write goes on. A second one would replace it in `cancelling`, and the first, ending, would take the second's
 * entry off while it still ran (a released hold would stop waiting for it).
 */
function startWrite(ctx: CancelContext, id: string): void {
  if (ctx.cancelling.has(id)) return;
  const write = writeCancel(ctx, id).finally(() => ctx.cancelling.delete(id));
  ctx.cancelling.set(id, write);
}

function mirrorRunning(mirror: Snapshot, id: string): Job | undefined {
  if (!mirror.dispatched.has(id)) return undefined;
  const user = mirror.dispatched.get(id) as string;
  // Only the owner matters for the permission check; the rest is read from Redis by the cancel itself.
  return { id, owner: ownerOf(user) ?? { platform: user, userId: '' }, status: 'running' } as Job;
}

/**
 * The cancel its asker was told of, written to Redis. A Redis that is away only delays it (its commands wait for the
 * connection); one that answers with an error (out of memory, a read-only replica) is asked again until it takes the
 * write, the job ends, or this front-end stops. The job's local record says its cancel was asked (`cancelJob`),
 * a waiting job's too: should it still run to its result, that result says it finished before it could be stopped
 * (commands/late-cancel.ts), rather than the cancel's answer going uncorrected.
 */
async function writeCancel(ctx: CancelContext, id: string): Promise<void> {
  const tried: Tried = { unqueued: false, saved: false, told: false };
  for (let wait = RETRY_FIRST_MS; ; wait = Math.min(wait * 2, RETRY_MAX_MS)) {
    try {
      return await cancelShared(ctx, id, tried);
    } catch (error) {
      if (wait === RETRY_FIRST_MS) {
        ctx.log?.('warn', 'cancel failed; trying again', { jobId: id, error: String(error) });
        markCancelRequested(ctx.store, id);
      }
    }
    // Saved already, the end is this cancel's own: what is left is telling it (its owner may not have heard).
    if (!tried.saved && ended(ctx, id)) return;
    try {
      await sleep(wait, undefined, { signal: ctx.stopped, ref: false });
    } catch {
      ctx.log?.('warn', 'a cancel could not be written before this front-end stopped', { jobId: id });
      return;
    }
    if (!tried.saved && ended(ctx, id)) return;
  }
}

/** This front-end has the job's end: nothing is left to cancel. */
function ended(ctx: CancelContext, id: string): boolean {
  const status = ctx.store.get(id)?.status;
  return status !== undefined && ENDED_STATUSES.has(status);
}

/**
 * How far the earlier tries of one cancel got: each try goes on from there. `unqueued`: the job was taken off its
 * list, where an unqueue would now find nothing and leave a record no list or worker has. `saved`: its record says
 * cancelled, which the next read would take for an end that needs nothing more, and the event its owner's
 * front-end waits for (the only word it gets until its next start or reconnection) would never go out. `told`:
 * that event went out.
 */
interface Tried {
  unqueued: boolean;
  saved: Job | false;
  told: boolean;
}

async function cancelShared(ctx: CancelContext, id: string, tried: Tried): Promise<void> {
  const { state } = ctx;
  if (tried.saved) return announce(state, tried.saved, tried);
  await ctx.pending.get(id);
  const job = await state.getJob(id);
  // Ended meanwhile: a cancel flag now would only wait out its expiry in Redis.
  if (!job || ENDED_STATUSES.has(job.status)) return;
  if (job.status === 'queued' && (tried.unqueued || (await state.unqueue(job)))) {
    tried.unqueued = true;
    job.status = 'cancelled';
    job.finishedAt = state.now();
    await state.saveJob(job);
    tried.saved = job;
    return announce(state, job, tried);
  }
  // With a worker (or about to be): the worker checks the flag before starting and aborts on the message.
  await state.markCancelRequested(id);
  await state.publish('cancel', { id });
}

/** A waiting job's cancel, saved: its owner's front-end gets the event, and every front-end the change. */
async function announce(state: SharedState, job: Job, tried: Tried): Promise<void> {
  if (!tried.told) {
    const frontEnd = await state.frontEndOf(job.id);
    if (frontEnd) await state.publish(`events:${frontEnd}`, { type: 'cancelled', job });
    tried.told = true;
  }
  await state.publish('changed', { id: job.id });
}
