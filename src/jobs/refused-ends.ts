// Ends of running jobs the database refused to store (a full disk): each row still says `running`, so the next
// start's recovery (recoverInterrupted) would end the job itself and tell its owner, or run it again. One rule for
// what an owner hears of such an end, wherever the job ended (its run, or a shutdown that gave up on it): a cancel
// is told once its end is stored, by whoever stores it (the worker's next try, or the next start); a failure found
// while the bot goes on is told at once, as its owner must hear of it (a full disk) before the disk has room again.
// Still refused at the stop, the stored row decides, as the next start will: an end whose row it will run again is
// told `paused` (restarts), a failure told already included (that `paused` corrects it: the adapters show it where
// the failure went, the one state that may follow an ending), and is never stored after that (a stored end would keep
// that promise from being kept); an untold end whose row it ends (its cancel stored, or a last attempt) is left to
// that start to tell, and is not stored after the stop either: told at a process exit that follows (a second stop
// signal), it would reach nobody, and the next start would find the row ended and say nothing. A failure on its last
// attempt, told already, stays for a later try (`putBackRunning`): stored, its owner hears nothing more; still
// refused, the next start fails the row without a word, as its run's marker file was renamed once the failure's
// ending reached its owner (`told`, called by the adapters for an ending edited in or replied; a rename needs no free
// space: job-transitions.ts `noteToldLastRun`); without that marker (an ending that reached nobody, whose undelivered
// mark the full disk refused too) it apologises as after a crash.
import type { JobEvents } from './events.js';
import { lastAttempt, noteToldLastRun, recordEnded } from './job-transitions.js';
import type { JobStore } from './store.js';
import type { Job } from './types.js';

export interface RefusedEndDeps {
  store: JobStore;
  counters: Map<string, number>;
  events: Pick<JobEvents, 'emit'>;
  /**
   * Tells the owner that the bot is stopping (once); `corrects`: in place of a failure they were told already, which
   * the next start does not keep (it runs the job again).
   */
  pause(job: Job, restarts: boolean, corrects?: boolean): void;
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
   * The failure of a job told to its owner has reached them (edited in or replied, not merely sent): if its end is
   * still refused on its last attempt, the next start ends the row without a second apology.
   */
  told(id: string): void {
    const job = this.jobs.get(id);
    if (job?.status === 'failed' && !this.untold.has(id)) noteToldLastRun(this.deps.store, job);
  }

  /**
   * Stores the refused ends once the database takes writes again (each turn of the worker, and the stop), and tells
   * those whose owners wait for it. Still refused, they wait for the next try quietly (the refusal was logged once,
   * when the job ended), and the worker goes on. `untold: false` leaves the ends nobody was told yet as their rows
   * say (the process ends at once: what it would tell now would reach nobody, and the next start tells it).
   */
  retry({ untold = true } = {}): void {
    for (const [id, job] of this.jobs) {
      if (!untold && this.untold.has(id)) continue;
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

  /**
   * At the stop, after a last `retry`: each end still refused is told what its stored row makes of it (the header);
   * only a failure its owner heard of, whose row the next start ends too, is kept for a later try.
   */
  stop(): void {
    for (const id of this.jobs.keys())
      if (tellRefusedEnd(this.deps, id, !this.untold.has(id)) || this.untold.has(id)) this.jobs.delete(id);
    this.untold.clear();
  }
}

/** The event that tells a job's end. */
export function endEvent(job: Job): { type: 'cancelled' | 'failed'; job: Job } {
  return { type: job.status === 'cancelled' ? 'cancelled' : 'failed', job };
}

/**
 * A job whose end the database refused as the bot stops: the stored row decides. The next start ends a row on its
 * last attempt or with its cancel stored, and tells its owner then (a second time for a failure told while running:
 * the header). Any other row it runs again (a cancel whose own write was refused too cannot be known there): its owner
 * is told so now, which corrects a failure they were told of. A row that cannot be read is left to the next start.
 * Returns whether the owner was told that the job restarts.
 */
export function tellRefusedEnd(
  deps: Pick<RefusedEndDeps, 'store' | 'pause'>,
  id: string,
  told = false,
): boolean {
  let stored: Job | undefined;
  try {
    stored = deps.store.get(id);
  } catch {
    return false;
  }
  if (stored?.status !== 'running' || stored.meta.cancelRequested === true || lastAttempt(stored))
    return false;
  deps.pause(stored, true, told);
  return true;
}
