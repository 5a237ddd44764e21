// /queue's numbered Cancel. The list it was pressed on goes stale with the press: the answer is the list again, as it
// stands now, shown in its place (`replaceSource`), so the job just cancelled is no longer offered and the rest are
// numbered afresh. The old list's buttons still name their jobs: a press on one that has ended is answered so.
// A running job stops only when its step next looks at the abort: the answer waits a moment for that (`STOP_WAIT_MS`).
// One answered while the job was still stopping carries the list as it will stand once the job has ended
// (`Reply.nextInPlace`), for the adapter to put in the same place: else it would go on saying "stopping" after the
// job had ended, until its owner pressed Refresh.
import { type CancelResult, type JobEvent, type JobStatus, ownerKey } from '../../src/jobs/index.js';
import { within } from '../../src/within.js';
import { CANCEL_KEYS, unnamedKey } from '../cancel/handler.js';
import type { CommandContext, Operation } from '../context.js';
import type { CommandDeps } from '../deps.js';
import type { Reply } from '../reply.js';
import { queueList } from './handler.js';

/**
 * How long the answer waits for a running job to stop. Bounded, for a job whose step takes long: past it the list
 * shows the job stopping, as before. Longer than Discord's acknowledgement budget only by its deferral
 * (source-replacement.ts); a Telegram chat's next update (handled in order) waits this long at most.
 */
export const STOP_WAIT_MS = 2500;

/**
 * How long a list answered while its job was stopping waits for the job's end to show it: a step of the largest
 * image on a CPU may take minutes. Within Discord's 15 minutes for editing an interaction's message.
 */
export const STOPPED_LIST_WAIT_MS = 10 * 60_000;

/** How the cancel of a running job came out: its run may have ended done before it heard the abort. */
type StopResult = CancelResult | 'done_first';

const STOP_KEYS: Record<StopResult, string> = { ...CANCEL_KEYS, done_first: 'job.cancel_too_late' };

/** A job's end (an event, or its record's status), as a cancel of it answers; undefined while it has not ended. */
function endOf(kind: JobEvent['type'] | JobStatus | undefined): StopResult | undefined {
  if (kind === 'cancelled') return 'cancelled';
  // The run ended before it heard the abort: its result stands, as the job's own message says.
  if (kind === 'done') return 'done_first';
  if (kind === 'failed') return 'finished';
  return undefined;
}

/**
 * The answer names no job (the playground would take one naming the job as news for the job's message, and drop it
 * once that message had ended), for the presser only.
 */
export const queueCancel: Operation<string> = async (deps, ctx, jobId) => {
  const owner = (deps.store.get(jobId) ?? deps.queue.get(jobId))?.owner;
  const outcome = deps.queue.cancel(jobId, ctx.user, ctx.isAdmin);
  // Another's list (an admin's press), or a job unknown here: the presser's own list is not what they pressed on.
  if (!owner || ownerKey(owner) !== ownerKey(ctx.user) || outcome === 'refused' || outcome === 'not_found')
    return { text: [{ key: unnamedKey(ctx, owner, outcome) }], ephemeral: true };
  const settled: StopResult = outcome === 'cancelling' ? await stopOf(deps, jobId, STOP_WAIT_MS) : outcome;
  const answer = await listAfter(deps, ctx, jobId, settled);
  if (settled !== 'cancelling') return answer;
  const stopped = stopOf(deps, jobId, STOPPED_LIST_WAIT_MS)
    .then((result) => (result === 'cancelling' ? undefined : listAfter(deps, ctx, jobId, result)))
    // Read late or never (an adapter that shows no later list): a failure is logged, never an unhandled rejection.
    .catch((error: unknown) => {
      deps.log?.('warn', 'a stopped /queue list could not be made', { err: error });
      return undefined;
    });
  return { ...answer, nextInPlace: stopped };
};

/** The presser's list as it now stands, under the line that says how their cancel came out. */
async function listAfter(
  deps: CommandDeps,
  ctx: CommandContext,
  jobId: string,
  settled: StopResult,
): Promise<Reply> {
  const list = await queueList(deps, ctx, jobId);
  return { ...list, text: [{ key: STOP_KEYS[settled] }, ...list.text], replaceSource: true };
}

/**
 * How the cancel of a running job came out once the job ended, or 'cancelling' while it has not within `ms`. Its
 * end is heard as an event, which both queues emit once the job's record says so (the shared queue's front-end, for
 * the jobs submitted through it); the listener only settles a promise, so the queue goes on meanwhile.
 */
async function stopOf(deps: CommandDeps, jobId: string, ms: number): Promise<StopResult> {
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
    // A wait for a later list holds no process that is stopping.
    return await within(ended, ms, 'cancelling', { unref: true });
  } finally {
    unsubscribe?.();
  }
}
