// A user's past jobs, newest first and paged, as the conversation they made: what the user asked (text and the
// stored input images, the mask included) and the bot's reply in the job's current state. The playground rebuilds
// its page from this after a reload. `jobFile` serves one stored file of the user's own job (results carry their
// generation parameters in a PNG text chunk).
import { isStoredImage, type Job, lastAttempt, StoredFileLost, type WaitPlan } from '../src/jobs/index.js';
import type { CommandContext } from './context.js';
import type { CommandDeps } from './deps.js';
import { UserInputError } from './errors.js';
import { furtherPermutation, historyLineOf, typedLineOf } from './history-line.js';
import { pngWithParameters } from './job-context.js';
import { stoppingReply } from './late-cancel.js';
import { madeByButton } from './pressed-by.js';
import { cancelButton, renderEvent, renderQueued } from './render.js';
import type { Reply } from './reply.js';
import { filesGone, jobOf } from './stored-jobs.js';

export interface HistoryEntry {
  jobId: string;
  /**
   * The user's side: the line as they typed it, or for a job stored without it the command to type again
   * (`history-line.ts`), and the stored images by role.
   */
  asked: { text: string; images: Array<{ role: 'image' | 'mask' | 'reference'; file: string }> };
  reply: Reply;
}

export interface HistoryPage {
  entries: HistoryEntry[];
  /** Pass as `before` for the next (older) page; absent when this was the last. */
  before?: number;
}

export const HISTORY_PAGE_MAX = 50;

function askedOf(ctx: CommandContext, job: Job): HistoryEntry['asked'] {
  // The live page shows no line of the user's for a press: after a reload neither.
  if (madeByButton(job)) return { text: '', images: [] };
  const r = job.request;
  const images: HistoryEntry['asked']['images'] = [];
  if ('image' in r && isStoredImage(r.image)) images.push({ role: 'image', file: r.image.file });
  if (r.task === 'paint' && r.region.kind === 'mask') images.push({ role: 'mask', file: r.region.mask.file });
  if (r.task === 'image_to_image' && r.refImage) images.push({ role: 'reference', file: r.refImage.file });
  const typed = typedLineOf(job);
  // The live page showed a permutation's one line above all its jobs: the further ones have none of their own.
  if (typed !== undefined && furtherPermutation(job)) return { text: '', images: [] };
  const text = typed ?? historyLineOf(ctx, job);
  // Stored images that were removed (RESULT_RETENTION_DAYS) are not offered to fetch.
  return { text, images: job.filesRemoved ? [] : images };
}

/**
 * A row that says `running` as its owner knows it: the queue's truth for it (a failure or cancel the database refused
 * to store, its row still `running`), and, for a job the waiting recovery will run again (the last process left it
 * running, the disk full), the restart its owner was promised at that stop, the correction of a failure told included
 * (refused-ends.ts), where "Working on it…" would be a job nobody runs. That restart is asked of the recovery
 * (`restartPending`), not of `workersRunning`, which on a shared queue says no worker is alive and promised none.
 * The other pause is asked of `workersRunning`: what a shared job's live message said when its worker was lost.
 */
async function runningReplyOf(deps: CommandDeps, row: Job): Promise<Reply | undefined> {
  const job = deps.queue.get(row.id) ?? row;
  if (job.status !== 'running') return replyOf(deps, job);
  if (deps.queue.restartPending?.(job.id) === true)
    return renderEvent({ type: 'paused', job, restarts: true }, deps.render);
  if (toldWorkerLost(deps, job))
    return renderEvent({ type: 'paused', job, restarts: true, reason: 'worker_lost' }, deps.render);
}

/**
 * Whether the job's live message said its worker was lost with none left ("…will start again once a worker is
 * up"): `paused` with `worker_lost` comes only for a try its queue would run again (shared-runners.ts records no
 * runner on the last: its owners get the apology instead), and says so with no worker alive (render.ts). Not on a
 * last attempt, which no worker starts again: neither a shared run's last try nor a job a waiting recovery ends (a
 * local queue's `workersRunning` is false while the recovery waits; every job it restarts was answered above).
 */
function toldWorkerLost(deps: CommandDeps, job: Job): boolean {
  return !lastAttempt(job) && deps.render.workersRunning?.() === false;
}

/**
 * The page's dry run of the queue, where its waiting jobs stand: made at the first waiting job, then reused. A job
 * the plan lacks (a shared queue's mirror lags its record) costs a further dry run of its own (`positionOf`).
 */
interface PagePlan {
  plan?: WaitPlan<Job>;
}

function queuedReplyOf(deps: CommandDeps, job: Job, pagePlan: PagePlan): Reply {
  pagePlan.plan ??= deps.queue.waitPlan();
  // One the plan has not seen (a shared queue's mirror lags its record): where a new one would stand, by a dry
  // run of its own.
  const place = pagePlan.plan.starts.find((s) => s.job.id === job.id) ?? deps.queue.positionOf(job.id);
  return renderQueued(job, place.ahead, place.endMs, deps.render);
}

async function replyOf(deps: CommandDeps, job: Job, pagePlan: PagePlan = {}): Promise<Reply> {
  // Its images are gone (RESULT_RETENTION_DAYS): the entry says why in place of the result.
  const gone = filesGone(job);
  if (gone) return { jobId: job.id, final: true, text: [{ key: gone.key, params: gone.params }] };
  switch (job.status) {
    case 'done':
    case 'failed':
    case 'cancelled':
      try {
        return await renderEvent({ type: job.status, job }, deps.render);
      } catch (error) {
        // Its result file was removed by hand or cut short: this entry says so, and the rest of the page shows.
        if (error instanceof StoredFileLost)
          return { jobId: job.id, final: true, text: [{ key: error.key }] };
        throw error;
      }
    case 'running':
      // Its owner asked to cancel: "Stopping…", as its live message says, with no Cancel to press again.
      return (
        stoppingReply(job, { jobId: job.id }) ??
        (await runningReplyOf(deps, job)) ?? {
          jobId: job.id,
          text: [{ key: 'job.running_now' }],
          buttons: [[cancelButton(job.id)]],
        }
      );
    case 'queued':
      // A shared queue's cancel Redis refused is written again while the job still waits: its owner was told.
      // Else its place and ETA from the queue's dry run, the figures its live `queued`/`position` message gave.
      return stoppingReply(job, { jobId: job.id }) ?? queuedReplyOf(deps, job, pagePlan);
  }
}

export async function history(
  deps: CommandDeps,
  ctx: CommandContext,
  page: { before?: number; limit?: number },
): Promise<HistoryPage> {
  const limit = Math.max(1, Math.min(HISTORY_PAGE_MAX, page.limit ?? 20));
  // One more than asked tells whether an older page exists.
  const jobs = deps.store.pageOf(ctx.user, page.before, limit + 1);
  const shown = jobs.slice(0, limit);
  const entries: HistoryEntry[] = [];
  const pagePlan: PagePlan = {};
  for (const job of shown) {
    entries.push({ jobId: job.id, asked: askedOf(ctx, job), reply: await replyOf(deps, job, pagePlan) });
  }
  const last = shown[shown.length - 1];
  return { entries, ...(jobs.length > limit && last ? { before: last.seq } : {}) };
}

/** Every stored file name a job has (its inputs and its result). */
function filesOf(job: Job): Set<string> {
  const names = new Set<string>();
  JSON.stringify(job.request, (_key, value) => {
    if (isStoredImage(value)) names.add(value.file);
    return value;
  });
  if (job.result?.file) names.add(job.result.file);
  return names;
}

/**
 * One stored file of the user's own job, with what to call it when downloaded. Results are PNGs with a
 * `parameters` text chunk; inputs come as stored. Another user's job, or a name the job does not have, is
 * "not found".
 */
export function jobFile(
  deps: CommandDeps,
  ctx: CommandContext,
  input: { jobId: string; file: string },
): { data: Uint8Array; mime: string; filename: string } {
  const job = jobOf(deps.store, input.jobId);
  const mine = job.owner.platform === ctx.user.platform && job.owner.userId === ctx.user.userId;
  if ((!mine && !ctx.isAdmin) || !filesOf(job).has(input.file))
    throw new UserInputError('errors.job.not_found');
  const bytes = new Uint8Array(deps.store.readFile(job.id, input.file));
  const ext = input.file.split('.').pop() ?? 'png';
  const mime = ext === 'jpg' ? 'image/jpeg' : ext === 'webp' ? 'image/webp' : 'image/png';
  if (input.file !== job.result?.file) return { data: bytes, mime, filename: input.file };
  return {
    data: pngWithParameters(job, bytes),
    mime: 'image/png',
    filename: `dimoo-${job.result.seed ?? job.id.slice(0, 8)}.png`,
  };
}
