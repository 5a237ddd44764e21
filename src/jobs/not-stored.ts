// Whether a submission that failed was stored. Until its row is, nothing of it is kept (its files are removed again,
// a transaction's writes undone): such a failure is NotStored, which its caller can say as a plain refusal and give
// the user's rate-limit slot back (commands/submit.ts). A throw once its row is stored (telling its place) is
// AfterStored, naming the job: it is queued all the same. Any other throw from `submit` may come after the job was
// stored, and is said as one that may have queued it.
import { isFullAt } from '../data-dir.js';
import { DISK_FULL } from './job-failure.js';
import { removeFilesQuietly } from './job-transitions.js';
import type { Refusal } from './queue-types.js';
import type { JobStore } from './store.js';
import type { Job } from './types.js';

/** A submission's failure before anything of it was stored: `error` is what failed. */
export class NotStored extends Error {
  constructor(readonly error: unknown) {
    super(`the submission was not stored: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}

/** `work`, which stores nothing unless it returns: what it throws, as NotStored (after `undo`). */
export function beforeStored<T>(work: () => T, undo?: () => void): T {
  try {
    return work();
  } catch (error) {
    undo?.();
    throw error instanceof NotStored ? error : new NotStored(error);
  }
}

/** A submission's failure after its job was stored: the job is queued (and runs) all the same. */
export class AfterStored extends Error {
  constructor(
    readonly job: Job,
    readonly error: unknown,
  ) {
    super(`failed after the job was stored: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}

/** `work`, run once `job` is stored: what it throws, as AfterStored. */
export function afterStored<T>(job: Job, work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw error instanceof AfterStored ? error : new AfterStored(job, error);
  }
}

export type Stored = { ok: true; job: Job } | { ok: false; refusal: Refusal };

/**
 * Stores a new job: its input files, then its row with `alsoWrite` (what admitting it changes) in one transaction.
 * A full disk is the full-disk refusal; any other failure NotStored. Either way its files are removed again.
 */
export function storeNewJob(
  store: JobStore,
  job: Job,
  files: Record<string, Uint8Array>,
  log: ((level: 'error', message: string, fields?: Record<string, unknown>) => void) | undefined,
  alsoWrite: () => void,
): Stored {
  try {
    for (const [name, bytes] of Object.entries(files)) store.writeFile(job.id, name, bytes);
    store.transaction(() => {
      store.insert(job);
      alsoWrite();
    });
    return { ok: true, job };
  } catch (error) {
    removeFilesQuietly(store, job.id);
    if (!isFullAt(error, store.dataDir)) throw new NotStored(error);
    log?.('error', 'disk full: job refused at submission', { jobId: job.id });
    return { ok: false, refusal: DISK_FULL };
  }
}
