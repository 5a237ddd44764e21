// The user's view of the queue: /queue (how many wait, where the user's own jobs stand, with Cancel buttons) and
// /cancel (a job by id or id prefix, or the user's latest waiting or running one).
import { ownerKey } from '../src/jobs/index.js';
import type { Operation } from './context.js';
import { cancelButton, formatDuration } from './render.js';
import { type Reply, textReply } from './reply.js';

const CANCEL_KEYS = {
  cancelled: 'cancel.done',
  cancelling: 'cancel.stopping',
  refused: 'job.cancel_refused',
  not_found: 'errors.job.not_found',
  finished: 'cancel.finished',
} as const;

/** Discord allows five buttons in a row. */
const BUTTONS_PER_ROW = 5;

/** Cancels a job (the user's latest waiting or running one when no id is given). */
export const cancel: Operation<string | undefined> = async (deps, ctx, jobId) => {
  const typed = jobId?.trim().toLowerCase();
  const recent = deps.store.recentOf(ctx.user, 50);
  // /queue shows the first 8 characters of an id, so a prefix of one of the user's own jobs is enough.
  const id = typed
    ? (recent.find((j) => typed.length >= 4 && j.id.startsWith(typed))?.id ?? typed)
    : recent.find((j) => j.status === 'queued' || j.status === 'running')?.id;
  if (!id) return textReply('cancel.nothing');
  const outcome = deps.queue.cancel(id, ctx.user, ctx.isAdmin);
  return { ...textReply(CANCEL_KEYS[outcome]), jobId: id };
};

export const queueStatus: Operation<void> = async (deps, ctx) => {
  const { queue, store } = deps;
  const order = queue.plannedOrder();
  const running = store.byStatus('running');
  const reply: Reply = {
    text: [{ key: 'queue.summary', params: { queued: order.length, running: running.length } }],
    ephemeral: true,
    buttons: [],
  };
  const mine = ownerKey(ctx.user);
  for (const job of running.filter((j) => ownerKey(j.owner) === mine)) {
    reply.text.push({ key: 'queue.mine_running', params: { id: job.id.slice(0, 8) } });
  }
  for (const job of order.filter((j) => ownerKey(j.owner) === mine)) {
    const { ahead, etaMs } = queue.positionOf(job.id);
    reply.text.push({
      key: 'queue.mine_queued',
      params: {
        id: job.id.slice(0, 8),
        count: ahead,
        eta: formatDuration(ctx.locale, etaMs + queue.expectedMs(job)),
      },
    });
    const row = reply.buttons?.at(-1);
    if (row && row.length < BUTTONS_PER_ROW) row.push(cancelButton(job.id));
    else reply.buttons?.push([cancelButton(job.id)]);
  }
  return reply;
};
