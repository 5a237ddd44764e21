// Cancels a job of the user's (an admin's: anyone's); the answer names what became of it.
import type { Job } from '../../src/jobs/index.js';
import type { CommandContext, Operation } from '../context.js';
import type { CommandDeps } from '../deps.js';
import { quoted } from '../quoted-text.js';
import { jobTitle } from '../render.js';
import { type Reply, textReply } from '../reply.js';
import { activeJobsOf } from '../stored-jobs.js';
import type { CancelInput } from './spec.js';

export const CANCEL_KEYS = {
  cancelled: 'cancel.done',
  cancelling: 'cancel.stopping',
  refused: 'job.cancel_refused',
  not_found: 'errors.job.not_found',
  finished: 'cancel.finished',
} as const;

/** A bare /cancel's answer names the job it picked, as /queue lists it: the user did not say which. */
const NAMED_KEYS: Partial<Record<keyof typeof CANCEL_KEYS, string>> = {
  cancelled: 'cancel.done_named',
  cancelling: 'cancel.stopping_named',
};

/** As long as /queue's line shows a prompt (queue/handler.ts). */
const TITLE_CHARS = 80;
/** /queue shows the first 8 characters of an id. */
const SHORT_ID_CHARS = 8;
/** A shorter prefix could stand for several jobs. */
const MIN_PREFIX_CHARS = 4;

/** Cancels a job (the user's latest waiting or running one when no id is given). */
export const cancel: Operation<CancelInput> = async (deps, ctx, { job }) => {
  const typed = job?.trim().toLowerCase();
  const recent = deps.store.recentOf(ctx.user, 50);
  if (!typed) {
    // The newest of them, as the option's description says ("default: your latest job").
    const latest = recent.find((j) => j.status === 'queued' || j.status === 'running');
    if (!latest) return textReply('cancel.nothing');
    return cancelled(deps, ctx, latest.id, latest);
  }
  // Its recent jobs first, then every unfinished one: /queue names jobs by 8 characters, and a user with many
  // waiting (or many finished since) has some past the recent ones. An admin's prefix reaches anyone's unfinished job.
  const byPrefix = (j: Job) => typed.length >= MIN_PREFIX_CHARS && j.id.startsWith(typed);
  const own = recent.find(byPrefix) ?? unfinished(deps, ctx).find(byPrefix);
  if (own) return cancelled(deps, ctx, own.id);
  // A whole id reaches further: an admin's of another's job, a job older than those searched.
  if ((deps.store.get(typed) ?? deps.queue.get(typed)) !== undefined) return cancelled(deps, ctx, typed);
  // A Cancel button names a job that existed; only a typed id may be one that never did. Neither names a job to
  // the adapter: the playground would take the answer as news of a job it has no message for.
  if (typeof ctx.meta.button === 'string') return textReply(CANCEL_KEYS.not_found);
  return textReply('cancel.unknown_id', { id: quoted(job?.trim()) });
};

/** The unfinished jobs a typed prefix may name: the user's own, or for an admin anyone's. */
function unfinished(deps: CommandDeps, ctx: CommandContext): Job[] {
  if (ctx.isAdmin) return [...deps.store.byStatus('running'), ...deps.queue.plannedOrder()];
  const { running, waiting } = activeJobsOf(deps, ctx.user);
  return [...running, ...waiting];
}

/** Cancels `id`; `picked`, the job a bare /cancel chose, is named in the answer. */
function cancelled(deps: CommandDeps, ctx: CommandContext, id: string, picked?: Job): Reply {
  const outcome = deps.queue.cancel(id, ctx.user, ctx.isAdmin);
  const named = picked ? NAMED_KEYS[outcome] : undefined;
  const reply =
    picked && named
      ? textReply(named, { prompt: jobTitle(picked, TITLE_CHARS), id: picked.id.slice(0, SHORT_ID_CHARS) })
      : textReply(CANCEL_KEYS[outcome]);
  return { ...reply, jobId: id };
}
