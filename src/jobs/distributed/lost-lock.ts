// BullMQ reports a run it cannot keep or close in its own words, repeated: "could not renew lock for job <run>" at
// every renewal once its lock is gone, and "Missing lock for job <run>. moveToFinished" (its lock ran out before
// BullMQ could close it: Redis answering slower than the lock lasts, a DEBUG SLEEP or a stalled disk) or "Missing
// key for job <run>. …" (the run itself is gone: a FLUSHDB or its keys deleted) twice, once when marking it
// completed fails, again when its fallback, marking it failed, fails the same way. Each is said here once per run,
// in words, with the run's jobs.

const RENEWAL_FAILED = /^could not renew lock for job (\S+)$/;
const MISSING_LOCK = /^Missing lock for job (\S+)\. moveTo/;
const MISSING_KEY = /^Missing key for job (\S+)\. /;
/** Runs remembered for their jobs' ids: a lost lock is reported right after its run, so a few are plenty. */
const KEPT = 16;

type Kind = 'renewal' | 'lock' | 'key';

export interface LostLockLine {
  message: string;
  fields: { run: string; jobIds: string[] };
}

/** Whether BullMQ could not renew a run's lock: its data may be gone, which a worker's data check then tells. */
export function isRenewalFailure(error: Error): boolean {
  return RENEWAL_FAILED.test(error.message);
}

export class LostLocks {
  private readonly runs = new Map<string, { ids: string[]; ended: boolean; told: Set<Kind> }>();

  /** A run this worker takes, before its jobs run. */
  taken(run: string, ids: string[]): void {
    this.runs.delete(run);
    this.runs.set(run, { ids, ended: false, told: new Set() });
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
   * 'other' for an error that is none of these; 'said' for one already reported for its run; else its one line.
   */
  explain(error: Error): LostLockLine | 'said' | 'other' {
    const found = kindOf(error.message);
    if (found === undefined) return 'other';
    const [kind, run] = found;
    const entry = this.runs.get(run) ?? { ids: [], ended: false, told: new Set<Kind>() };
    // A missing lock and a missing key are one run's end said twice over (BullMQ's completed, then its fallback).
    const same: Kind[] = kind === 'renewal' ? ['renewal'] : ['lock', 'key'];
    if (same.some((k) => entry.told.has(k))) return 'said';
    entry.told.add(kind);
    this.runs.set(run, entry);
    const jobs = `run ${run} (jobs ${entry.ids.join(', ')})`;
    return { message: `${jobs} ${wording(kind, entry.ended)}`, fields: { run, jobIds: entry.ids } };
  }
}

function kindOf(message: string): [Kind, string] | undefined {
  for (const [kind, pattern] of [
    ['renewal', RENEWAL_FAILED],
    ['lock', MISSING_LOCK],
    ['key', MISSING_KEY],
  ] as const) {
    const run = pattern.exec(message)?.[1];
    if (run !== undefined) return [kind, run];
  }
  return undefined;
}

function wording(kind: Kind, ended: boolean): string {
  if (kind === 'renewal')
    return 'could not renew its lock (Redis answering slower than the lock lasts, or its data gone): checking the shared queue’s data; this is said once for the run';
  if (kind === 'key')
    return ended
      ? 'was gone from Redis when it ended here (its data flushed or deleted): BullMQ could not close it, and no result of it was kept'
      : 'was gone from Redis before it ended here (its data flushed or deleted): BullMQ could not close it, and its jobs are lost';
  return ended
    ? 'ended on this worker, its owners told once, but its lock ran out while Redis answered slowly: BullMQ could not close it, and its retry will find the jobs already ended'
    : 'lost its lock while Redis answered slowly, before it ended: BullMQ retries it, and its jobs not yet ended run again';
}
