// Cancels a job of the user's (an admin's: anyone's); the answer names what became of it.
import { type CancelResult, type Job, type Owner, ownerKey } from '../../src/jobs/index.js';
import type { CommandContext, Operation } from '../context.js';
import type { CommandDeps } from '../deps.js';
import { quoted } from '../quoted-text.js';
import { jobTitle } from '../render.js';
import { type Reply, textReply } from '../reply.js';
import { activeJobsOf, liveStatus, runningJobs } from '../stored-jobs.js';
import type { CancelInput } from './spec.js';
import { type StopResult, stopAnswered } from './stop-wait.js';

export const CANCEL_KEYS = {
  cancelled: 'cancel.done',
  cancelling: 'cancel.stopping',
  refused: 'job.cancel_refused',
  not_found: 'errors.job.not_found',
  finished: 'cancel.finished',
} as const;

/**
 * A /cancel's answer names the job, as /queue lists it: a bare one did not say which, and a short id the user typed
 * (or mistyped) may match a job they did not mean. A running job's answer says how it ended (`stopOutcome`).
 */
const NAMED_KEYS: Partial<Record<StopResult, string>> = {
  cancelled: 'cancel.done_named',
  cancelling: 'cancel.stopping_named',
  done_first: 'cancel.too_late_named',
};
/** An admin's answer about another user's job: not "your job" to them, and by its id alone. */
const OTHERS_NAMED_KEYS: Partial<Record<StopResult, string>> = {
  cancelled: 'cancel.done_named_theirs',
  cancelling: 'cancel.stopping_named_theirs',
  done_first: 'cancel.too_late_named_theirs',
};
/** A Cancel button's answer to an admin about another user's job, as OTHERS_NAMED_KEYS: not "your job" to them. */
const OTHERS_KEYS: Partial<Record<keyof typeof CANCEL_KEYS, string>> = {
  cancelled: 'cancel.done_theirs',
  cancelling: 'cancel.stopping_theirs',
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
    // The newest of them, as the option's description says ("default: your latest job"), as the queue knows it: a
    // row a refused write left `running` may have ended there (a failure its owner was told of), and /queue no
    // longer lists it; a cancel held back so is still stopping, as /queue lists it.
    const latest = recent.find((j) => liveStatus(deps, j) !== undefined);
    if (!latest) return textReply('cancel.nothing');
    return cancelled(deps, ctx, latest, true);
  }
  // A Cancel button sits under the job's own message, which then says what became of it: the answer need not name it.
  const typedByUser = typeof ctx.meta.button !== 'string';
  // Its recent jobs first, then every unfinished one: /queue names jobs by 8 characters, and a user with many
  // waiting (or many finished since) has some past the recent ones. An admin's prefix reaches anyone's unfinished job.
  const byPrefix = (j: Job) => typed.length >= MIN_PREFIX_CHARS && j.id.startsWith(typed);
  const own = recent.find(byPrefix) ?? unfinished(deps, ctx).find(byPrefix);
  if (own) return cancelled(deps, ctx, own, typedByUser);
  // A whole id reaches further: an admin's of another's job, a job older than those searched.
  const whole = deps.store.get(typed) ?? deps.queue.get(typed);
  if (whole) return cancelled(deps, ctx, whole, typedByUser);
  // A Cancel button names a job that existed; only a typed id may be one that never did. Neither names a job to
  // the adapter: the playground would take the answer as news of a job it has no message for.
  if (!typedByUser) return textReply(CANCEL_KEYS.not_found);
  return textReply('cancel.unknown_id', { id: quoted(job?.trim()) });
};

/** The unfinished jobs a typed prefix may name: the user's own, or for an admin anyone's. */
function unfinished(deps: CommandDeps, ctx: CommandContext): Job[] {
  if (ctx.isAdmin) return [...runningJobs(deps), ...deps.queue.plannedOrder()];
  const { running, waiting } = activeJobsOf(deps, ctx.user);
  return [...running, ...waiting];
}

/**
 * A typed /cancel of a job cancelled before it: the queue answers `cancelled` again (a second press of a Cancel
 * button is answered as the first), but "Cancelled your job" would say this /cancel stopped it.
 */
const ALREADY_NAMED_KEYS = {
  own: 'cancel.already_cancelled_named',
  theirs: 'cancel.already_cancelled_named_theirs',
};

/**
 * Cancels `job`; with `named` (a /cancel typed apart from the job's message), the answer names it, and a running
 * one's answer says how it ended once it has (that it is stopping, past the wait).
 */
async function cancelled(deps: CommandDeps, ctx: CommandContext, job: Job, named: boolean): Promise<Reply> {
  // As read before the cancel: a job the store already holds as cancelled ended before this /cancel.
  const endedBefore = job.status === 'cancelled';
  const outcome = deps.queue.cancel(job.id, ctx.user, ctx.isAdmin);
  let settled: StopResult = outcome;
  // A Cancel button's answer takes the job's message itself; a typed one is a message apart (`stopAnswered`).
  if (named && outcome === 'cancelling') settled = await stopAnswered(deps, job);
  const line = named ? namedCancel(ctx, job, settled, endedBefore) : undefined;
  // Unnamed, a job that failed while stopping is "already finished"; one done first is always named (own or admin's).
  const unnamed: CancelResult = settled === 'done_first' ? 'finished' : settled;
  const reply = line ? textReply(line.key, line.params) : textReply(unnamedKey(ctx, job.owner, unnamed));
  return { ...reply, jobId: job.id };
}

/**
 * The line that names a cancelled (or stopping) job as /queue lists it, its prompt and short id; undefined where
 * the outcome names none. /queue's numbered Cancel says it too: the button's number is gone once the list is redrawn.
 */
export function namedCancel(
  ctx: CommandContext,
  job: Job,
  outcome: StopResult,
  endedBefore: boolean,
): { key: string; params: Record<string, string> } | undefined {
  const own = ownerKey(job.owner) === ownerKey(ctx.user);
  const key = namedKey(ctx, own, outcome, endedBefore);
  const id = job.id.slice(0, SHORT_ID_CHARS);
  // Another user's prompt is not repeated: the admin's answer may go to a group the owner never wrote in.
  return key ? { key, params: own ? { prompt: jobTitle(job, TITLE_CHARS), id } : { id } } : undefined;
}

/** Another user's job is named to an admin only: anyone else is refused it, and a refusal tells nothing of the job. */
function namedKey(
  ctx: CommandContext,
  own: boolean,
  outcome: StopResult,
  endedBefore: boolean,
): string | undefined {
  const already = outcome === 'cancelled' && endedBefore;
  if (own) return already ? ALREADY_NAMED_KEYS.own : NAMED_KEYS[outcome];
  if (!ctx.isAdmin) return undefined;
  return already ? ALREADY_NAMED_KEYS.theirs : OTHERS_NAMED_KEYS[outcome];
}

/**
 * The answer that names no job (a Cancel button's, under the job's message or on /queue's list), for the presser
 * alone: to an admin, another user's job is not "your job". Its owner's message says what became of it, as before.
 */
export function unnamedKey(ctx: CommandContext, owner: Owner | undefined, outcome: CancelResult): string {
  const theirs = owner !== undefined && ctx.isAdmin && ownerKey(owner) !== ownerKey(ctx.user);
  return (theirs ? OTHERS_KEYS[outcome] : undefined) ?? CANCEL_KEYS[outcome];
}
