// /queue's numbered Cancel. The list it was pressed on goes stale with the press: the answer is the list again, as it
// stands now, shown in its place (`replaceSource`), so the job just cancelled is no longer offered and the rest are
// numbered afresh. The old list's buttons still name their jobs: a press on one that has ended is answered so.
import { ownerKey } from '../../src/jobs/index.js';
import { CANCEL_KEYS } from '../cancel/handler.js';
import type { Operation } from '../context.js';
import { queueList } from './handler.js';

/**
 * The answer names no job (the playground would take one naming the job as news for the job's message, and drop it
 * once that message had ended), for the presser only.
 */
export const queueCancel: Operation<string> = async (deps, ctx, jobId) => {
  const owner = (deps.store.get(jobId) ?? deps.queue.get(jobId))?.owner;
  const outcome = deps.queue.cancel(jobId, ctx.user, ctx.isAdmin);
  const answer = { key: CANCEL_KEYS[outcome] };
  // Another's list (an admin's press), or a job unknown here: the presser's own list is not what they pressed on.
  if (!owner || ownerKey(owner) !== ownerKey(ctx.user) || outcome === 'refused' || outcome === 'not_found')
    return { text: [answer], ephemeral: true };
  const list = await queueList(deps, ctx, jobId);
  return { ...list, text: [answer, ...list.text], replaceSource: true };
};
