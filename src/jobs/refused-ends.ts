// Ends of running jobs the database refused to store (a full disk): each row still says `running`, so the next
// start's recovery (recoverInterrupted) would end the job itself and tell its owner, or run it again. One rule for
// what an owner hears of such an end, wherever the job ended (its run, or a shutdown that gave up on it): a cancel
// is told once its end is stored, by whoever stores it (the worker's next try, or the next start); a failure found
// while the bot goes on is told at once, as its owner must hear of it (a full disk) before the disk has room again.
// Still refused at the stop, an untold end whose stored row the next start would run again is told `paused`
// (restarts), the one thing that will happen.
import type { JobEvents } from './events.js';
import { lastAttempt, recordEnded } from './job-transitions.js';
import type { JobStore } from './store.js';
import type { Job } from './types.js';

export interface RefusedEndDeps {
  store: JobStore;
  counters: Map<string, number>;
  events: Pick<JobEvents, 'emit'>;
  /** Tells the owner that the bot is stopping (once). */
  pause(job: Job, restarts: boolean): void;
}

export class RefusedEnds {
  private readonly jobs = new Map<string, Job>();
  /** Of those, the ends their owners have not heard yet: told once stored. */
  private readonly untold = new Set<string>();

  constructor(private readonly deps: RefusedEndDeps) {}

  /** The job's end, while the database refuses it: its truth meanwhile, as its row still says `running`. */
  get(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  /** Whether an end still waits to be told: the worker tries again without waiting for work. */
  get waiting(): boolean {
    return this.untold.size > 0;
  }

  /** An end the database refused; `told` when its owner has heard it already. */
  add(job: Job, told: boolean): void {
    this.jobs.set(job.id, job);
    if (!told) this.untold.add(job.id);
  }

  /**
   * Stores the refused ends once the database takes writes again (each turn of the worker, and the stop), and tells
   * those whose owners wait for it. Still refused, they wait for the next try quietly (the refusal was logged once,
   * when the job ended), and the worker goes on.
   */
  retry(): void {
    for (const [id, job] of this.jobs) {
      try {
        recordEnded(this.deps.store, this.deps.counters, job);
      } catch {
        // Still refused: this one waits for the next try; the others are tried all the same.
        continue;
      }
      this.jobs.delete(id);
      if (this.untold.delete(id)) this.deps.events.emit(endEvent(job));
    }
  }

  /** At the stop, after a last `retry`: the ends still refused and untold are the next start's to tell. */
  stop(): void {
    for (const id of this.untold) tellRefusedEnd(this.deps, id);
  }
}

/** The event that tells a job's end. */
export function endEvent(job: Job): { type: 'cancelled' | 'failed'; job: Job } {
  return { type: job.status === 'cancelled' ? 'cancelled' : 'failed', job };
}

/**
 * A job whose end the database refused as the bot stops, its owner not told: the stored row decides. The next start
 * ends a row on its last attempt or with its cancel stored, and tells its owner then; any other row it runs again
 * (a cancel whose own write was refused too cannot be known there), which its owner hears now. A row that cannot be
 * read is left to the next start.
 */
export function tellRefusedEnd(deps: Pick<RefusedEndDeps, 'store' | 'pause'>, id: string): void {
  let stored: Job | undefined;
  try {
    stored = deps.store.get(id);
  } catch {
    return;
  }
  if (stored?.status === 'running' && stored.meta.cancelRequested !== true && !lastAttempt(stored))
    deps.pause(stored, true);
}
