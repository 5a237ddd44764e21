// The store-writing steps of a job's life that keep the fairness counters in step with it: starting, ending early
// (cancelled or failed), being put back by a shutdown, being found interrupted at the next start, and the files a
// refused or failed job leaves.
import { closeSync, existsSync, openSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { JobQueueOptions } from './queue-types.js';
import { charge } from './scheduler.js';
import type { JobStore } from './store.js';
import type { Job } from './types.js';
import { ownerKey } from './types.js';

const MAX_ATTEMPTS = 2; // the first run plus one retry after a crash or restart
/**
 * A job's last run leaves an empty file in its folder, renamed once a failure of that run that the database refused to
 * store (a full disk) reached its owner (delivered by the adapters: refused-ends.ts `told`): the next start, finding
 * the row still `running`, ends it without the interrupted apology, which would be a second one. Renaming and removing
 * need no free space, unlike any write; a marker that could not be made, or was never renamed, leaves the apology as it
 * was (an owner who heard nothing).
 */
const LAST_RUN = 'last-run.txt';
/**
 * The told marker names the run it was made in (`last-run-told.<startedAt>.txt`, the row's `startedAt`), so a marker
 * an earlier run left (its removal failed) never silences a later run's end. Its name may also carry the failure told
 * (`last-run-told.<startedAt>.<base64url of its JSON>.txt`), so the next start stores what its owner heard; a failure
 * too long for a file name gives the bare marker (the apology is stored).
 */
const TOLD = 'last-run-told';
const TOLD_NAME = new RegExp(`^${TOLD}\\.(\\d+)(?:\\.([A-Za-z0-9_-]+))?\\.txt$`);
/** Any told marker, this version's or an older one's (no run in its name): removed as a last run begins. */
const ANY_TOLD = new RegExp(`^${TOLD}(?:\\.[A-Za-z0-9_-]+)*\\.txt$`);
const TOLD_NAME_MAX = 200;

/** The told marker's name for the run `startedAt` names, with the failure told in it (`told`, encoded) or bare. */
function toldMarkerName(startedAt: number, told?: string): string {
  return `${TOLD}.${Math.trunc(startedAt)}${told === undefined ? '' : `.${told}`}.txt`;
}

/**
 * A cancel of a job the last process left running, made while its recovery waits for a full disk (recovery.ts): an
 * empty file needs no free space, unlike the row, so a stop before the disk has room keeps the cancel. It lies beside
 * the job's folder (`DATA_DIR/jobs/<id>.cancel-requested`), in the jobs folder that always exists: a first-attempt
 * job may have no folder, and making one needs a free block (ENOSPC on a full ext4). Retention removes stale ones.
 */
export const CANCEL_MARKER_SUFFIX = '.cancel-requested';
/** Where an older version kept that marker (in the job's folder): still read and removed. */
const OLD_CANCEL_REQUESTED = 'cancel-requested.txt';

type Counters = Map<string, number>;

/**
 * Jobs that were running when the process stopped: retried once, then failed with an apology; one its owner was
 * cancelling (its row says so, or `cancelled` holds its id) is cancelled. Each job is stored with its owner's
 * counter in one transaction: when the database refuses one (a full disk), that job's row stays `running` and its
 * counter as it was, the ones before it stay recovered, and the error is thrown, so calling it again later goes on
 * where it stopped. The failed and cancelled ones, whose events wait until listeners exist, go to `ended`.
 */
export function recoverInterrupted(
  store: JobStore,
  counters: Counters,
  now: number,
  ended: Job[],
  cancelled: ReadonlySet<string> = new Set(),
): void {
  for (const job of store.byStatus('running')) {
    // The interrupted run delivered nothing: refund what it was charged at start, so order and shares hold.
    const user = ownerKey(job.owner);
    let tell = true;
    const told = toldEnd(store, job, now);
    if (told) {
      // Its owner was told how this run ended already (a failure the database refused): ended so, not told again,
      // whatever was asked since.
      Object.assign(job, told);
      tell = false;
    } else {
      if (cancelled.has(job.id) || cancelMarked(store, job.id)) job.meta.cancelRequested = true;
      if (job.meta.cancelRequested === true) {
        // Its owner had pressed Cancel and the process died before the step ended: cancelled, not run again.
        job.status = 'cancelled';
        job.finishedAt = now;
      } else if (!lastAttempt(job)) {
        job.status = 'queued';
        job.startedAt = undefined;
        tell = false;
      } else markInterrupted(job, now);
    }
    const before = counters.get(user);
    charge(counters, user, -job.estimatedCost);
    try {
      store.transaction(() => {
        store.setCounter(user, counters.get(user) ?? 0);
        store.update(job);
      });
    } catch (error) {
      // Nothing was written: the counter goes back to what the table holds, for the next call to refund once.
      if (before === undefined) counters.delete(user);
      else counters.set(user, before);
      throw error;
    }
    removeCancelMarker(store, job.id);
    if (tell) ended.push(job);
  }
}

/**
 * Keeps the cancel of a job left running whose recovery waits (CANCEL_MARKER_SUFFIX): an empty file in the jobs
 * folder. Throws when even that cannot be made, so its owner hears why instead of a cancel that a stop would lose.
 */
export function markCancelRequested(store: JobStore, id: string): void {
  closeSync(openSync(cancelMarkerPath(store, id), 'w'));
}

export function cancelMarked(store: JobStore, id: string): boolean {
  try {
    // A file only: whatever else lies at that name (a folder) is no cancel this module made.
    const marker = statSync(cancelMarkerPath(store, id), { throwIfNoEntry: false });
    return marker?.isFile() === true || existsSync(store.filePath(id, OLD_CANCEL_REQUESTED));
  } catch {
    return false;
  }
}

/** The cancel marker of a job, wherever a version put it: best effort (a stale one is retention's). */
function removeCancelMarker(store: JobStore, id: string): void {
  try {
    rmSync(cancelMarkerPath(store, id), { force: true });
  } catch {
    // Best effort: retention removes it once the job's row no longer says `running`.
  }
  removeQuietly(store, id, OLD_CANCEL_REQUESTED);
}

function cancelMarkerPath(store: JobStore, id: string): string {
  // store.folder validates the id, so the name stays inside the jobs folder.
  return `${store.folder(id)}${CANCEL_MARKER_SUFFIX}`;
}

/** Whether the job's run is its last: left unfinished (not put back), it is failed at the next start, not retried. */
export function lastAttempt(job: Job): boolean {
  return job.attempts >= MAX_ATTEMPTS;
}

/** Ends a job whose last attempt was interrupted, with the apology its owner hears. */
export function markInterrupted(job: Job, now: number): void {
  job.status = 'failed';
  job.finishedAt = now;
  job.error = { key: 'errors.job.interrupted', params: {} };
}

/** Marks the job running and charges its owner, in one transaction; on failure nothing changed. */
export function markRunning(store: JobStore, counters: Counters, job: Job, now: number): void {
  const user = ownerKey(job.owner);
  job.status = 'running';
  job.attempts += 1;
  job.startedAt = now;
  charge(counters, user, job.estimatedCost);
  try {
    store.transaction(() => {
      store.setCounter(user, counters.get(user) ?? 0);
      store.update(job);
    });
  } catch (error) {
    // Nothing was written (the transaction rolled back): the job stays queued, the counter as it was.
    charge(counters, user, -job.estimatedCost);
    throw error;
  }
  if (lastAttempt(job)) markLastRun(store, job.id);
}

/**
 * The last run's marker (LAST_RUN), made fresh: best effort, as its absence only keeps the apology. Old told markers
 * are removed, each on its own: one that stays names another run, and `toldEnd` passes it by.
 */
function markLastRun(store: JobStore, id: string): void {
  for (const name of toldMarkers(store, id, ANY_TOLD)) removeQuietly(store, id, name);
  try {
    store.writeFile(id, LAST_RUN, new Uint8Array(0));
  } catch {
    // No marker: an end of this run the database refuses is apologised for again by the next start, as before.
  }
}

/**
 * A failure of a job's last run that the database refused to store reached its owner: the next start ends the row
 * without telling it again (LAST_RUN, renamed for the run `job.startedAt` names). Best effort; needs no free space.
 */
export function noteToldLastRun(store: JobStore, job: Job): void {
  if (!lastAttempt(job) || job.startedAt === undefined) return;
  const from = store.filePath(job.id, LAST_RUN);
  const bare = toldMarkerName(job.startedAt);
  const named = toldName(job.startedAt, job.error);
  for (const name of named === undefined ? [bare] : [named, bare]) {
    try {
      renameSync(from, join(store.folder(job.id), name));
      return;
    } catch {
      // The long name refused (ENAMETOOLONG where names are short, eCryptfs's 143 bytes): the bare one still counts
      // as told (the apology is stored). Neither renamed: the next start apologises once more, as before.
    }
  }
}

/** The told marker's name with the failure told in it; undefined when there is none or it is too long. */
function toldName(startedAt: number, error: Job['error']): string | undefined {
  if (!error) return undefined;
  const name = toldMarkerName(startedAt, Buffer.from(JSON.stringify(error)).toString('base64url'));
  return name.length <= TOLD_NAME_MAX ? name : undefined;
}

function toldMarkers(store: JobStore, id: string, pattern: RegExp = TOLD_NAME): string[] {
  try {
    return readdirSync(store.folder(id)).filter((name) => pattern.test(name));
  } catch {
    // No folder: no marker.
    return [];
  }
}

/**
 * How a job left running ends when its owner was told its last run's failure already (its told marker): failed with
 * the failure told where the marker's name holds it, else with the apology. Undefined when nothing was told.
 */
export function toldEnd(
  store: JobStore,
  job: Job,
  now: number,
): Pick<Job, 'status' | 'finishedAt' | 'error'> | undefined {
  if (!lastAttempt(job) || job.startedAt === undefined) return undefined;
  const run = String(Math.trunc(job.startedAt));
  const marker = toldMarkers(store, job.id).find((name) => TOLD_NAME.exec(name)?.[1] === run);
  if (marker === undefined) return undefined;
  const ended = { ...job };
  markInterrupted(ended, now);
  const encoded = TOLD_NAME.exec(marker)?.[2];
  const error = encoded === undefined ? undefined : toldError(encoded);
  return { status: ended.status, finishedAt: ended.finishedAt, error: error ?? ended.error };
}

function toldError(encoded: string): Job['error'] {
  try {
    const value: unknown = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
    if (typeof value !== 'object' || value === null) return undefined;
    const { key, params } = value as { key?: unknown; params?: unknown };
    if (typeof key !== 'string' || !key.startsWith('errors.')) return undefined;
    if (typeof params !== 'object' || params === null || Array.isArray(params)) return undefined;
    const values = Object.entries(params);
    if (!values.every(([, v]) => typeof v === 'string' || typeof v === 'number')) return undefined;
    return { key, params: Object.fromEntries(values) as Record<string, string | number> };
  } catch {
    // A name no bot wrote: the apology, as for the bare marker.
    return undefined;
  }
}

function removeQuietly(store: JobStore, id: string, name: string): void {
  try {
    rmSync(join(store.folder(id), name), { force: true });
  } catch {
    // Best effort: a marker left behind goes with the job's folder.
  }
}

/**
 * A job stopped by shutdown goes back to the queue as it was before it started: its attempt and its charge are
 * undone, so the next start runs it in its fair place (its owner sees it start again then).
 */
export function putBack(store: JobStore, counters: Counters, job: Job, log: JobQueueOptions['log']): void {
  const user = ownerKey(job.owner);
  charge(counters, user, -job.estimatedCost);
  job.status = 'queued';
  job.startedAt = undefined;
  job.attempts = Math.max(0, job.attempts - 1);
  try {
    store.transaction(() => {
      store.setCounter(user, counters.get(user) ?? 0);
      store.update(job);
    });
  } catch (error) {
    // Left `running` in the database, it is retried by the next start's recovery all the same.
    log?.('error', 'could not put a job back into the queue', {
      jobId: job.id,
      error: error instanceof Error ? error.message : String(error),
    });
  }
  log?.('info', 'job put back into the queue for the next start', { jobId: job.id });
}

/** `putBack` for each run's job still `running`, but one its owner is cancelling (it stays as stored). */
export function putBackAll(
  store: JobStore,
  counters: Counters,
  runs: Iterable<{ job: Job; reason?: string }>,
  log: JobQueueOptions['log'],
): void {
  for (const { job, reason } of runs)
    if (reason !== 'cancel' && job.status === 'running') putBack(store, counters, job, log);
}

/**
 * Stores a job that was cancelled or failed while running. It was charged in full when it started; it keeps only
 * the share of its steps that ran (`ran`, 0–1), so cancelling at once costs its owner nothing in fair share.
 * Returns false when the database refused the write (its row is still `running`): `recordEnded` stores it later.
 */
export function recordEndedEarly(
  store: JobStore,
  counters: Counters,
  job: Job,
  ran: number,
  log: JobQueueOptions['log'],
): boolean {
  const user = ownerKey(job.owner);
  charge(counters, user, -job.estimatedCost * (1 - ran));
  try {
    recordEnded(store, counters, job);
    return true;
  } catch (error) {
    // Its row stays `running` until the worker stores it once the database takes writes again; a start before that
    // ends the job or runs it again as that row says. What its owner hears meanwhile: refused-ends.ts.
    log?.('error', 'could not record a finished job', {
      jobId: job.id,
      error: error instanceof Error ? error.message : String(error),
    });
    return false;
  }
}

/** Stores an ended job with its owner's counter, in one transaction; throws when the database refuses. */
export function recordEnded(store: JobStore, counters: Counters, job: Job): void {
  const user = ownerKey(job.owner);
  store.transaction(() => {
    store.setCounter(user, counters.get(user) ?? 0);
    store.update(job);
  });
}

/** How many jobs each owner has running (the scheduler's per-user cap). */
export function runsPerUser(entries: Iterable<{ job: Job }>): Map<string, number> {
  const out = new Map<string, number>();
  for (const { job } of entries) out.set(ownerKey(job.owner), (out.get(ownerKey(job.owner)) ?? 0) + 1);
  return out;
}

/** The waiting jobs, or none when the database cannot say (shutdown goes on all the same). */
export function queuedOrNone(store: JobStore): Job[] {
  try {
    return store.byStatus('queued');
  } catch {
    return [];
  }
}

export function removeFilesQuietly(store: JobStore, id: string): void {
  try {
    store.removeFiles(id);
  } catch {
    // Best effort: the folder of a job that never existed.
  }
}

/** The result files of a job that could not finish writing them: `result.png` and a grid's `result-N.png`. */
export function removeResultQuietly(store: JobStore, id: string): void {
  try {
    const folder = dirname(store.filePath(id, 'result.png'));
    for (const name of readdirSync(folder)) {
      if (/^result(-\d+)?\.png$/.test(name)) rmSync(join(folder, name), { force: true });
    }
  } catch {
    // Best effort: the partial files are never referenced, as the job does not become `done`.
  }
}
