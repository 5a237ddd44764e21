// A running job hears its cancel at its engine's next step: the answer to a typed /cancel waits a moment for that,
// so it can say "Cancelled" (or that the job finished first) instead of a "Stopping…" that nothing follows up.
import type { CancelResult, Job, JobEvent, JobStatus } from '../../src/jobs/index.js';
import { within } from '../../src/within.js';
import type { CommandDeps } from '../deps.js';
import { stoppingNow } from '../late-cancel.js';

/**
 * How long a /cancel's answer, and /queue's Cancel n's (queue/cancel.ts), waits for a running job to stop. Bounded,
 * for a job whose step takes long: longer than Discord's acknowledgement budget only by its deferral
 * (source-replacement.ts), and a Telegram chat's next update (handled in order) waits this long at most. Past it the
 * answer says the job is stopping, and the job's own message says "Cancelled." once it has.
 */
export const CANCEL_WAIT_MS = 2500;

/** How the cancel of a running job came out: its run may have ended done before it heard the abort. */
export type StopResult = CancelResult | 'done_first';

/** A job's end (an event, or its record's status), as its cancel's answer says it; undefined before it has ended. */
function endOf(kind: JobEvent['type'] | JobStatus | undefined): StopResult | undefined {
  if (kind === 'cancelled') return 'cancelled';
  // The run ended before it heard the abort: its result stands, as its own message says.
  if (kind === 'done') return 'done_first';
  if (kind === 'failed') return 'finished';
  return undefined;
}

/**
 * A cancel of running `job` answered apart from its own message (a typed /cancel, /queue's Cancel n): that message
 * says "Stopping…" now, in place of the live Cancel it showed until the job's next step, and the answer waits for
 * the stop (`stopOutcome`).
 */
export async function stopAnswered(deps: CommandDeps, job: Job): Promise<StopResult> {
  // A job this front-end holds no record of has no message here either (see stopOutcome).
  if (deps.store.get(job.id) === undefined) return 'cancelling';
  deps.restate(deps.queue.get(job.id) ?? job, stoppingNow(job));
  return stopOutcome(deps, job.id);
}

/**
 * How the cancel of running `jobId` came out once the job ended, or 'cancelling' while it has not within `ms`. Its
 * end is heard as an event (both queues emit it once the job's record says so); the listener only settles a promise.
 */
export async function stopOutcome(
  deps: CommandDeps,
  jobId: string,
  ms = CANCEL_WAIT_MS,
): Promise<StopResult> {
  // On the shared queue, a job another front-end owns (an admin's cancel): its events and record go to that one,
  // so its end would never be heard here; the answer says it is stopping at once, not after the whole wait.
  if (deps.store.get(jobId) === undefined) return 'cancelling';
  let unsubscribe: (() => void) | undefined;
  const ended = new Promise<StopResult>((resolve) => {
    unsubscribe = deps.queue.subscribe((event) => {
      const result = event.job.id === jobId ? endOf(event.type) : undefined;
      if (result) resolve(result);
    });
    // Ended between the cancel and the subscription: its event is gone, its record tells.
    const result = endOf(deps.store.get(jobId)?.status);
    if (result) resolve(result);
  });
  try {
    // A long wait (for /queue's later list) holds no process that is stopping.
    return await within(ended, ms, 'cancelling', { unref: true });
  } finally {
    unsubscribe?.();
  }
}
