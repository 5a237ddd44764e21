// The store-writing steps of a job's life that keep the fairness counters in step with it: starting, ending early
// (cancelled or failed), being put back by a shutdown, being found interrupted at the next start, and the files a
// refused or failed job leaves.
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { JobQueueOptions } from './queue-types.js';
import { charge } from './scheduler.js';
import type { JobStore } from './store.js';
import type { Job } from './types.js';
import { ownerKey } from './types.js';

const MAX_ATTEMPTS = 2; // the first run plus one retry after a crash or restart
/**
 * A job's last run leaves an empty file in its folder, renamed once its owner was told a failure of that run that the
 * database refused to store (a full disk): the next start, finding the row still `running`, ends it without the
 * interrupted apology, which would be a second one. Renaming and removing need no free space, unlike any write;
 * a marker that could not be made, or was never renamed, leaves the apology as it was (an owner who heard nothing).
 */
const LAST_RUN = 'last-run.txt';
const LAST_RUN_TOLD = 'last-run-told.txt';

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
    if (cancelled.has(job.id)) job.meta.cancelRequested = true;
    if (job.meta.cancelRequested === true) {
      // Its owner had pressed Cancel and the process died before the step ended: cancelled, not run again.
      job.status = 'cancelled';
      job.finishedAt = now;
    } else if (!lastAttempt(job)) {
      job.status = 'queued';
      job.startedAt = undefined;
      tell = false;
    } else {
      markInterrupted(job, now);
      // Its owner was told how this run ended already (a failure the database refused): ended, not told again.
      tell = !toldLastRun(store, job.id);
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
    if (tell) ended.push(job);
  }
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

/** The last run's marker (LAST_RUN), made fresh: best effort, as its absence only keeps the apology. */
function markLastRun(store: JobStore, id: string): void {
  try {
    rmSync(store.filePath(id, LAST_RUN_TOLD), { force: true });
    store.writeFile(id, LAST_RUN, new Uint8Array(0));
  } catch {
    // No marker: an end of this run the database refuses is apologised for again by the next start, as before.
  }
}

/**
 * The owner of a job on its last run was told a failure of it that the database refused to store: the next start
 * ends the row without telling it again (LAST_RUN). Best effort, and needs no free space.
 */
export function noteToldLastRun(store: JobStore, job: Job): void {
  if (!lastAttempt(job)) return;
  try {
    renameSync(store.filePath(job.id, LAST_RUN), store.filePath(job.id, LAST_RUN_TOLD));
  } catch {
    // Not renamed: the next start apologises once more, as before.
  }
}

function toldLastRun(store: JobStore, id: string): boolean {
  try {
    return existsSync(store.filePath(id, LAST_RUN_TOLD));
  } catch {
    return false;
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
