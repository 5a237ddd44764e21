// A run whose BullMQ lock ran out before BullMQ could close it (Redis answering slower than the lock lasts, a
// DEBUG SLEEP or a stalled disk) is reported by BullMQ as "Missing lock for job <run>. moveToFinished" twice: once
// when marking it completed fails, again when its fallback, marking it failed, fails the same way. Said here once
// per run, in words, with the run's jobs.

const MISSING_LOCK = /^Missing lock for job (\S+)\. moveTo/;
/** Runs remembered for their jobs' ids: a lost lock is reported right after its run, so a few are plenty. */
const KEPT = 16;

export interface LostLockLine {
  message: string;
  fields: { run: string; jobIds: string[] };
}

export class LostLocks {
  private readonly runs = new Map<string, { ids: string[]; ended: boolean; told: boolean }>();

  /** A run this worker takes, before its jobs run. */
  taken(run: string, ids: string[]): void {
    this.runs.delete(run);
    this.runs.set(run, { ids, ended: false, told: false });
    for (const old of this.runs.keys()) {
      if (this.runs.size <= KEPT) break;
      this.runs.delete(old);
    }
  }

  /** The run's jobs were all settled by this worker (done, failed, cancelled or put back), each told once. */
  ended(run: string): void {
    const entry = this.runs.get(run);
    if (entry) entry.ended = true;
  }

  /**
   * 'other' for an error that is no lost lock; 'said' for a run's lost lock already reported; else its one line.
   */
  explain(error: Error): LostLockLine | 'said' | 'other' {
    const run = MISSING_LOCK.exec(error.message)?.[1];
    if (run === undefined) return 'other';
    const entry = this.runs.get(run) ?? { ids: [], ended: false, told: false };
    if (entry.told) return 'said';
    entry.told = true;
    this.runs.set(run, entry);
    const fields = { run, jobIds: entry.ids };
    return entry.ended
      ? {
          message: `run ${run} (jobs ${entry.ids.join(', ')}) ended on this worker, its owners told once, but its lock ran out while Redis answered slowly: BullMQ could not close it, and its retry will find the jobs already ended`,
          fields,
        }
      : {
          message: `run ${run} (jobs ${entry.ids.join(', ')}) lost its lock while Redis answered slowly, before it ended: BullMQ retries it, and its jobs not yet ended run again`,
          fields,
        };
  }
}
