// /queue's Refresh: the list's positions and "ready in about …" are as they stood when it was sent, and go stale as
// jobs end. A press answers with the list as it now stands, shown in place of the one pressed on (`replaceSource`).
// The button names the list's first job, so it is its owner's alone: where others see the list (a Telegram group),
// a press by one of them must not put their own list over it, and is refused to them privately.
import { ownerKey } from '../../src/jobs/index.js';
import type { Operation } from '../context.js';
import { textReply } from '../reply.js';
import { queueList } from './handler.js';

export const queueRefresh: Operation<string> = async (deps, ctx, jobId) => {
  // The job may have ended and left the queue since: its record still names its owner.
  const owner = (deps.store.get(jobId) ?? deps.queue.get(jobId))?.owner;
  if (!owner || ownerKey(owner) !== ownerKey(ctx.user)) return textReply('errors.queue.not_yours');
  return { ...(await queueList(deps, ctx)), replaceSource: true };
};
