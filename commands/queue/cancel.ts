// /queue's numbered Cancel. The list it was pressed on goes stale with the press: the answer is the list again, as it
// stands now, shown in its place (`replaceSource`), so the job just cancelled is no longer offered and the rest are
// numbered afresh. The old list's buttons still name their jobs: a press on one that has ended is answered so.
// A running job stops only when its step next looks at the abort: the answer waits a moment for that, as a typed
// /cancel's does (cancel/stop-wait.ts).
// One answered while the job was still stopping carries the list as it will stand once the job has ended
// (`Reply.nextInPlace`), for the adapter to put in the same place: else it would go on saying "stopping" after the
// job had ended, until its owner pressed Refresh.
import { type Job, ownerKey } from '../../src/jobs/index.js';
import { CANCEL_KEYS, namedCancel, unnamedKey } from '../cancel/handler.js';
import { type StopResult, stopAnswered, stopOutcome } from '../cancel/stop-wait.js';
import type { CommandContext, Operation } from '../context.js';
import type { CommandDeps } from '../deps.js';
import type { Reply } from '../reply.js';
import { queueList } from './handler.js';

/**
 * How long a list answered while its job was stopping waits for the job's end to show it: a step of the largest
 * image on a CPU may take minutes. Within Discord's 15 minutes for editing an interaction's message.
 */
export const STOPPED_LIST_WAIT_MS = 10 * 60_000;

/**
 * The answer carries no job (the playground would take one as news for the job's message, and drop it once that
 * message had ended), for the presser only; its first line names the job in words, as /cancel's does.
 */
export const queueCancel: Operation<string> = async (deps, ctx, jobId) => {
  const job = deps.store.get(jobId) ?? deps.queue.get(jobId);
  // As read before the cancel: a press on a job cancelled before it is answered so, as a typed /cancel is.
  const endedBefore = job?.status === 'cancelled';
  const outcome = deps.queue.cancel(jobId, ctx.user, ctx.isAdmin);
  // Another's list (an admin's press), or a job unknown here: the presser's own list is not what they pressed on.
  if (!job || ownerKey(job.owner) !== ownerKey(ctx.user) || outcome === 'refused' || outcome === 'not_found')
    return { text: [{ key: unnamedKey(ctx, job?.owner, outcome) }], ephemeral: true };
  // The list is a message apart from the job's own, which says "Stopping…" now, as a typed /cancel makes it.
  const settled: StopResult = outcome === 'cancelling' ? await stopAnswered(deps, job) : outcome;
  const answer = await listAfter(deps, ctx, job, settled, endedBefore);
  if (settled !== 'cancelling') return answer;
  const stopped = stopOutcome(deps, jobId, STOPPED_LIST_WAIT_MS)
    .then((result) => (result === 'cancelling' ? undefined : listAfter(deps, ctx, job, result, false)))
    // Read late or never (an adapter that shows no later list): a failure is logged, never an unhandled rejection.
    .catch((error: unknown) => {
      deps.log?.('warn', 'a stopped /queue list could not be made', { err: error });
      return undefined;
    });
  return { ...answer, nextInPlace: stopped };
};

/**
 * The presser's list as it now stands, under the line that says how their cancel came out: naming the job, as the
 * numbered button pressed no longer stands beside it once the list is redrawn.
 */
async function listAfter(
  deps: CommandDeps,
  ctx: CommandContext,
  job: Job,
  settled: StopResult,
  endedBefore: boolean,
): Promise<Reply> {
  const list = await queueList(deps, ctx, job.id);
  // Named however the cancel came out (done first too); one that had ended before the press is "already finished".
  const line = namedCancel(ctx, job, settled, endedBefore) ?? {
    key: CANCEL_KEYS[settled === 'done_first' ? 'finished' : settled],
  };
  return { ...list, text: [line, ...list.text], replaceSource: true };
}
