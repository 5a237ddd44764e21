// The user's view of the queue: /queue (how many wait, where the user's own jobs stand, with Cancel buttons) and
// /cancel (a job by id or id prefix, or the user's latest waiting or running one).

import { t } from '../src/i18n.js';
import { ownerKey } from '../src/jobs/index.js';
import type { CommandContext, Operation } from './context.js';
import type { CommandDeps } from './deps.js';
import { cancelButton, formatDuration } from './render.js';
import { buttonId, type Reply, type ReplyButton, textReply } from './reply.js';

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
    addButton(reply, cancelButton(job.id));
  }
  // Finished jobs whose ending reached nobody: listed until fetched, the image with a button for its file.
  const undelivered = store.deliveries.undeliveredOf(ctx.user);
  for (const job of undelivered) {
    const text = job.result?.text;
    reply.text.push({
      key: 'queue.undelivered',
      params: {
        id: job.id.slice(0, 8),
        status:
          text !== undefined
            ? t(ctx.locale, 'queue.undelivered_answer', { text: text.slice(0, 500) })
            : t(ctx.locale, job.result?.file ? 'queue.undelivered_fetch' : `job.${job.status}`),
      },
    });
    if (job.result?.file)
      addButton(reply, { id: buttonId('original', job.id), labelKey: 'button.original', style: 'secondary' });
    // An answer or an ending without a file is delivered by this very list; an image waits for its button.
    else store.deliveries.clear(job.id);
  }
  store.deliveries.markTold(undelivered.map((job) => job.id));
  return reply;
};

function addButton(reply: Reply, button: ReplyButton): void {
  const row = reply.buttons?.at(-1);
  if (row && row.length < BUTTONS_PER_ROW) row.push(button);
  else reply.buttons?.push([button]);
}

/**
 * Appends "N of your finished jobs could not be delivered" to the first reply a user gets after an ending reached
 * nobody; each such job is mentioned once this way (and stays in /queue).
 */
export function withUndeliveredNotice(
  deps: Pick<CommandDeps, 'store'>,
  ctx: CommandContext,
  reply: Reply,
): Reply {
  const untold = deps.store.deliveries.undeliveredOf(ctx.user, true);
  if (untold.length === 0) return reply;
  deps.store.deliveries.markTold(untold.map((job) => job.id));
  return {
    ...reply,
    text: [...reply.text, { key: 'job.undelivered_notice', params: { count: untold.length } }],
  };
}
