// Reading a job the user points at (a button, a reply to a result): the job itself, its result image, and the
// stored inputs a follow-up job copies. A job that is gone or not suitable is a UserInputError. Also the user's
// unfinished jobs, as every list of them shows them.
import {
  isStoredImage,
  type Job,
  type JobStore,
  type Owner,
  ownerKey,
  StoredFileLost,
  type StoredRequest,
} from '../src/jobs/index.js';
import type { CommandDeps } from './deps.js';
import { UserInputError } from './errors.js';

export type ImageJob = Job & { request: Exclude<StoredRequest, { task: 'understand' }> };

/** The job a follow-up points at; one its owner deleted, or whose files outlived retention, says so. */
export function jobOf(store: JobStore, jobId: string): Job {
  const job = store.get(jobId);
  if (!job) throw new UserInputError('errors.job.not_found');
  const gone = filesGone(job);
  if (gone) throw gone;
  return job;
}

/** Why a job's stored files are gone (Delete, or RESULT_RETENTION_DAYS), as the line a follow-up answers. */
export function filesGone(job: Job): UserInputError | undefined {
  const removed = job.filesRemoved;
  if (removed?.reason === 'expired')
    return new UserInputError('errors.job.expired', { periodDays: removed.afterDays });
  if (removed || job.meta.deleted === true) return new UserInputError('errors.job.deleted');
  return undefined;
}

/** The line saying why a result can no longer be fetched (`lostResult`). */
export interface LostResult {
  key: string;
  params?: Record<string, string | number>;
}

/**
 * Why a job's result file can no longer be fetched: removed by Delete or RESULT_RETENTION_DAYS, removed by hand, or
 * cut short. Undefined while it can be, and while a read fails for a reason that may pass (EACCES, EIO): only a
 * result known lost may be dropped from what the user is still owed.
 */
export function lostResult(store: JobStore, job: Job): LostResult | undefined {
  const gone = filesGone(job);
  if (gone) return { key: gone.key, params: gone.params };
  const file = job.result?.file;
  if (!file) return undefined;
  try {
    store.checkFile(job.id, file);
    return undefined;
  } catch (error) {
    if (error instanceof StoredFileLost) return { key: error.key };
    return undefined;
  }
}

/** An /imagine, /retouch or /outpaint: made again with changes by a `..` reply or Remix (`rerun.ts`). */
export type RemakeableRequest = Extract<StoredRequest, { task: 'text_to_image' | 'paint' }>;

/** Whether a request can be made again with changes; an /edit's instruction picks its edit type, so it cannot. */
export function isRemakeable(request: StoredRequest): request is RemakeableRequest {
  return request.task === 'text_to_image' || request.task === 'paint';
}

/** A job whose request makes an image (every task but describe), so it can be re-rolled or varied. */
export function imageJob(store: JobStore, jobId: string): ImageJob {
  const job = jobOf(store, jobId);
  if (job.request.task === 'understand') throw new UserInputError('errors.button.not_available');
  return job as ImageJob;
}

/**
 * The PNG of a finished job's result; one whose file is gone (a data folder cleaned by hand) or cut short throws
 * StoredFileLost, which the guard says as a deleted or damaged job.
 */
export function resultBytes(store: JobStore, jobId: string): Uint8Array {
  const job = jobOf(store, jobId);
  if (job.status !== 'done' || !job.result?.file) throw new UserInputError('errors.button.not_available');
  return new Uint8Array(store.readFile(job.id, job.result.file));
}

/** The stored inputs a request names (`{ file }` objects anywhere in it), to copy into a follow-up job. */
export function inputFiles(store: JobStore, job: Job): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  JSON.stringify(job.request, (_key, value) => {
    if (isStoredImage(value)) files[value.file] = new Uint8Array(store.readFile(job.id, value.file));
    return value;
  });
  return files;
}

/**
 * The jobs whose stored rows say `running`, as the queue knows them: a row the database could not move on (a full
 * disk refused the job's end, src/jobs/refused-ends.ts) is read through the queue, which holds that end meanwhile.
 * A cancel held back so is listed as stopping, as its owner was answered (`meta.cancelRequested`, with no Cancel to
 * press again) until "Cancelled." comes; a failure held back so, told to its owner already, is left out.
 */
export function runningJobs(deps: Pick<CommandDeps, 'queue' | 'store'>): Job[] {
  return deps.store.byStatus('running').flatMap((row): Job[] => {
    const job = deps.queue.get(row.id) ?? row;
    const live = liveStatus(deps, row, job);
    if (live === 'running') return [job];
    if (live !== 'stopping') return [];
    return [{ ...job, status: 'running', meta: { ...job.meta, cancelRequested: true } }];
  });
}

/**
 * Where a stored row's job stands as the queue knows it (`runningJobs`): unfinished (`queued`, `running`), or
 * `stopping` for a `running` row whose cancel the queue holds back; `undefined` once it ended. `job` is the queue's
 * copy, for a caller that read it already.
 */
export function liveStatus(
  deps: Pick<CommandDeps, 'queue'>,
  row: Job,
  job: Job = deps.queue.get(row.id) ?? row,
): 'queued' | 'running' | 'stopping' | undefined {
  if (job.status === 'queued' || job.status === 'running') return job.status;
  return row.status === 'running' && job.status === 'cancelled' ? 'stopping' : undefined;
}

/**
 * A user's unfinished jobs as /queue lists and numbers them (and Discord's autocomplete offers them): running first,
 * then waiting in the order the fair scheduler would run them. `all` when the caller already has every user's.
 */
export function activeJobsOf(
  deps: CommandDeps,
  user: Owner,
  all: { running: readonly Job[]; order: readonly Job[] } = {
    running: runningJobs(deps),
    order: deps.queue.plannedOrder(),
  },
): { running: Job[]; waiting: Job[] } {
  const mine = ownerKey(user);
  const own = (job: Job) => ownerKey(job.owner) === mine;
  return { running: all.running.filter(own), waiting: all.order.filter(own) };
}

/** An unfinished job, and in how long it is expected to end (undefined while no job has run to measure the pace). */
export interface UnfinishedJob {
  job: Job;
  endsInMs?: number;
}

/**
 * The unfinished jobs of one scope, running first, then waiting in the order they would start; each expected to
 * end when its run ends, as the queue's dry run (wait-plan.ts) tells users: the jobs of a batched run all end with
 * it, so its time left is counted once, not once per job.
 */
export function unfinishedIn(
  deps: Pick<CommandDeps, 'queue' | 'store' | 'now'>,
  scope: string,
): UnfinishedJob[] {
  const { queue, store } = deps;
  // No end is foreseen while no worker runs (a start waiting for the disk): the jobs left running do not run.
  const known = queue.paceKnown && queue.workersRunning !== false;
  const plan = queue.waitPlan();
  const ends = new Map(plan.running.map(({ job, endMs }) => [job.id, endMs]));
  const now = deps.now();
  // A job marked running that the plan has not seen yet (a shared queue's mirror lags its own record): its own
  // time left, as a run of its own.
  const ownLeft = (job: Job) => Math.max(0, queue.expectedMs(job) - (now - (job.startedAt ?? now)));
  const found: UnfinishedJob[] = store
    .byStatus('running')
    .filter((job) => job.scope === scope)
    .map((job) => ({ job, endsInMs: known ? (ends.get(job.id) ?? ownLeft(job)) : undefined }));
  for (const { job, endMs } of plan.starts)
    if (job.scope === scope) found.push({ job, endsInMs: known ? endMs : undefined });
  return found;
}

/** Whether a new seed draws `request` exactly as before: at temperature 0 sampling takes no noise from it. */
export function drawsAlike(request: StoredRequest): boolean {
  return 'temperature' in request && request.temperature === 0;
}
