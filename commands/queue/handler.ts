// /queue: the summary, the user's running jobs (with how far each has got) and waiting jobs by prompt (each with its
// numbered Cancel, and a Refresh for the list as it then stands), then their undelivered endings, each handed over
// only once the adapter sent the message holding its line.
import { type Locale, t } from '../../src/i18n.js';
import { type Job, ownerKey } from '../../src/jobs/index.js';
import type { CommandContext, Operation } from '../context.js';
import type { CommandDeps } from '../deps.js';
import { cancelButton, failureReason, jobTitle, type RenderDeps } from '../render.js';
import { buttonId, type Reply, type ReplyButton, type ReplyText } from '../reply.js';
import { activeJobsOf, lostResult, runningJobs } from '../stored-jobs.js';

/** Discord allows five buttons in a row, and five rows. */
const BUTTONS_PER_ROW = 5;
const MAX_BUTTONS = 25;
/** A prompt named in the list: enough to tell jobs apart, short enough for a phone. */
const TITLE_CHARS = 80;

export const queueStatus: Operation<unknown> = (deps, ctx) => queueList(deps, ctx);

/**
 * The list, as it stands after the cancel of `cancelled` when given (a job just cancelled from it, which a shared
 * queue's view may show waiting a moment longer).
 */
export async function queueList(deps: CommandDeps, ctx: CommandContext, cancelled?: string): Promise<Reply> {
  const { queue, store } = deps;
  const order = queue.plannedOrder().filter((job) => job.id !== cancelled);
  const running = runningJobs(deps);
  const reply: Reply = {
    text: [{ key: 'queue.summary', params: { queued: order.length, running: running.length } }],
    ephemeral: true,
    buttons: [],
  };
  const { running: runningMine, waiting } = activeJobsOf(deps, ctx.user, { running, order });
  // Numbered, and each Cancel button carries its line's number: several would look alike otherwise.
  let n = 0;
  // The list's first job: its Refresh names it, so a press by anyone but its owner is refused (refresh.ts).
  let first: string | undefined;
  const line = (job: Job) => {
    n += 1;
    first ??= job.id;
    return { n, prompt: jobTitle(job, TITLE_CHARS), id: job.id.slice(0, 8) };
  };
  const listed = (job: Job) => {
    const params = line(job);
    // One place is kept for Refresh: past it a line stays without Cancel (/cancel takes its id).
    addButton(
      reply,
      {
        ...cancelButton(job.id),
        id: buttonId('queue_cancel', job.id),
        labelKey: 'button.cancel_n',
        params: { n: params.n },
      },
      MAX_BUTTONS - 1,
    );
    return params;
  };
  for (const job of runningMine) {
    // Its owner asked to cancel and its step has not ended yet, or its end is not stored yet (runningJobs):
    // stopping, with no Cancel to press again.
    if (job.meta.cancelRequested === true) reply.text.push({ key: 'queue.mine_stopping', params: line(job) });
    // Left running by the last process while no worker runs (a start waiting for the disk, src/jobs/recovery.ts):
    // nothing runs it now, it starts again once one does.
    else if (queue.workersRunning === false)
      reply.text.push({ key: 'queue.mine_restarting', params: listed(job) });
    else reply.text.push(runningLine(listed(job), deps.progress.percentOf(job.id)));
  }
  // Waiting jobs answered "cancelled" that the queue still counts against the per-user limit (a shared queue's cancel
  // on its way to Redis): stopping, as the count in "You already have N jobs waiting" includes them.
  const mine = ownerKey(ctx.user);
  for (const job of queue.beingCancelled?.() ?? [])
    if (job.id !== cancelled && ownerKey(job.owner) === mine)
      reply.text.push({ key: 'queue.mine_stopping', params: line(job) });
  for (const job of waiting) {
    // Ready when its run ends: a batched job with every job of its run, not after its own share.
    const { ahead, endMs } = queue.positionOf(job.id);
    // Before any job has run here the pace is a placeholder, and with no worker alive the job waits for one: the
    // line gives no time (as the queued reply).
    reply.text.push(
      queue.paceKnown && queue.workersRunning !== false
        ? {
            key: 'queue.mine_queued',
            params: {
              ...listed(job),
              count: ahead,
              // Worded when rendered, in the language of the message it is rendered into.
              etaMs: endMs,
            },
          }
        : { key: 'queue.mine_queued_unmeasured', params: { ...listed(job), count: ahead } },
    );
  }
  // Positions and times go stale as jobs end: the list of jobs still to end can be asked for again in its place.
  if (first !== undefined) addButton(reply, refreshButton(first));
  // Finished jobs whose ending reached nobody: listed until fetched, the image with a button for its file.
  // An image waits for its button, so only as many as there are buttons left are listed; the rest come next time.
  // An answer is listed whole (see endingOf): the adapter sends a list longer than a message in several, between
  // whole lines, and a line longer than one message its platform's way (Telegram in pieces, Discord as message.txt).
  // An image whose file is known lost (deleted, expired, removed by hand, cut short) is said so once, as an answer
  // is: no button could fetch it, and listing it forever would only say the same again.
  let room = MAX_BUTTONS - buttonCount(reply);
  const undelivered = store.deliveries
    .undeliveredOf(ctx.user)
    .map((job) => ({ job, lost: job.result?.file ? lostResult(store, job) : undefined }))
    .filter(({ job, lost }) => lost || !job.result?.file || room-- > 0);
  for (const { job, lost } of undelivered) {
    const file = lost ? undefined : job.result?.file;
    const id = job.id.slice(0, 8);
    reply.text.push({
      // A failure is no result "that finished": its line says it failed, with the reason.
      ...(job.status === 'failed'
        ? { key: 'queue.undelivered_failed', params: { id, reason: failureReason(job, ctx.locale) } }
        : lost
          ? { key: 'queue.undelivered_lost', params: { id, reason: t(ctx.locale, lost.key, lost.params) } }
          : { key: 'queue.undelivered', params: { id, status: endingOf(job, ctx.locale, deps.render) } }),
      // An answer, an ending without a file or a lost one is delivered by this very line, once the message holding
      // it was sent (the adapter says so); an image waits for its button, and the line only tells of it.
      ...(file ? { tells: [job.id] } : { delivers: job.id }),
    });
    // Several look alike: each names the job its line names.
    if (file)
      addButton(reply, {
        id: buttonId('original', job.id),
        labelKey: 'button.original_of',
        params: { id },
        style: 'secondary',
      });
  }
  return reply;
}

/**
 * The ending a /queue line hands over, whole and as the job's own message would have said it: the line that shows it
 * counts it delivered, so whatever it leaves out (the end of a long answer, a failure's reason, the random
 * checkpoint's note under an answer) would be lost.
 */
function endingOf(job: Job, locale: Locale, render: Pick<RenderDeps, 'randomModel'>): string {
  const text = job.result?.text;
  if (text !== undefined) {
    const answer = text.trim()
      ? t(locale, 'queue.undelivered_answer', { text })
      : t(locale, 'job.answer_empty');
    // Under the answer, as its own message shows it (render.ts): in the line, so it cannot be sent without it.
    return render.randomModel ? `${answer}\n${t(locale, 'job.answer_random_model')}` : answer;
  }
  if (job.result?.file) return t(locale, 'queue.undelivered_fetch');
  return t(locale, `job.${job.status}`);
}

/**
 * A running job's line: how far it has got once its run told a step (Refresh then shows it moving); before that (the
 * model still loading, a run just begun) the plain "is running".
 */
function runningLine(
  params: { n: number; prompt: string; id: string },
  percent: number | undefined,
): ReplyText {
  return percent === undefined
    ? { key: 'queue.mine_running', params }
    : { key: 'queue.mine_running_progress', params: { ...params, percent } };
}

/** Named by the list's first job, so its owner's alone (refresh.ts). */
function refreshButton(jobId: string): ReplyButton {
  return {
    id: buttonId('queue_refresh', jobId),
    labelKey: 'button.refresh',
    style: 'secondary',
    ownerOnly: true,
  };
}

function buttonCount(reply: Reply): number {
  return (reply.buttons ?? []).reduce((sum, row) => sum + row.length, 0);
}

/** Adds a button while fewer than `limit` are there (Discord's 25 at most). */
function addButton(reply: Reply, button: ReplyButton, limit = MAX_BUTTONS): void {
  if (buttonCount(reply) >= limit) return;
  const row = reply.buttons?.at(-1);
  if (row && row.length < BUTTONS_PER_ROW) row.push(button);
  else reply.buttons?.push([button]);
}
