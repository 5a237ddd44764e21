// Cancels a job of the user's (an admin's: anyone's); the answer names what became of it.
import type { Operation } from '../context.js';
import { textReply } from '../reply.js';
import type { CancelInput } from './spec.js';

export const CANCEL_KEYS = {
  cancelled: 'cancel.done',
  cancelling: 'cancel.stopping',
  refused: 'job.cancel_refused',
  not_found: 'errors.job.not_found',
  finished: 'cancel.finished',
} as const;

/** Cancels a job (the user's latest waiting or running one when no id is given). */
export const cancel: Operation<CancelInput> = async (deps, ctx, { job }) => {
  const typed = job?.trim().toLowerCase();
  const recent = deps.store.recentOf(ctx.user, 50);
  // /queue shows the first 8 characters of an id, so a prefix of one of the user's own jobs is enough.
  const id = typed
    ? (recent.find((j) => typed.length >= 4 && j.id.startsWith(typed))?.id ?? typed)
    : recent.find((j) => j.status === 'queued' || j.status === 'running')?.id;
  if (!id) return textReply('cancel.nothing');
  const outcome = deps.queue.cancel(id, ctx.user, ctx.isAdmin);
  return { ...textReply(CANCEL_KEYS[outcome]), jobId: id };
};
