// The jobs the last process left running, recovered as the queue opens (job-transitions.ts recoverInterrupted). On a
// full disk the database refuses those writes: the queue opens all the same, so the bot starts and answers (a new job
// gets the full-disk refusal, as its own write would), and the recovery is tried again by the worker each second and
// by each submission until the database takes it. Nothing runs meanwhile: those rows still say `running`, so none of
// them runs twice, and no new job goes ahead of them. Said once when it begins to wait and once when it is done.
import { isDiskFull } from './job-failure.js';
import { recoverInterrupted } from './job-transitions.js';
import type { JobQueueOptions } from './queue-types.js';
import type { Job } from './types.js';

const WAITS =
  'the jobs the last process left running wait to be recovered: the database in DATA_DIR refuses writes (disk full); tried again each second, new jobs refused meanwhile. Free some space on its disk.';
const DONE = 'the jobs the last process left running are recovered: the database takes writes again';

export class InterruptedRecovery {
  private pending = true;
  private waited = false;
  /** The failed and cancelled jobs, told once listeners exist (`start`). */
  private readonly ended: Job[] = [];
  private tell: ((job: Job) => void) | undefined;
  /** Jobs their owners cancelled while the recovery waited: cancelled by it, never run again. */
  private readonly cancels = new Set<string>();

  /**
   * `recovered`: a recovery that waited is done, its jobs queued or ended now (fairness settles again; whoever
   * retried it, the worker or a submission, goes on to the queue).
   */
  constructor(
    private readonly options: Pick<JobQueueOptions, 'store' | 'log'>,
    private readonly counters: Map<string, number>,
    private readonly now: () => number,
    private readonly recovered: () => void,
  ) {}

  /**
   * Recovers the jobs left running, or what is left of them; returns whether that is done. Throws what is not a
   * full disk (the queue cannot open on it).
   */
  retry(): boolean {
    if (!this.pending) return true;
    const ended: Job[] = [];
    try {
      recoverInterrupted(this.options.store, this.counters, this.now(), ended, this.cancels);
    } catch (error) {
      if (!isDiskFull(error)) throw error;
      this.report(ended);
      const reason = error instanceof Error ? error.message : String(error);
      if (!this.waited)
        this.options.log?.('warn', WAITS, { dataDir: this.options.store.dataDir, error: reason });
      this.waited = true;
      return false;
    }
    this.pending = false;
    this.report(ended);
    if (this.waited) {
      this.options.log?.('info', DONE);
      this.recovered();
    }
    return true;
  }

  /** Listeners exist: the ended jobs are told now, and those a later retry ends at once. */
  start(tell: (job: Job) => void): void {
    this.tell = tell;
    for (const job of this.ended.splice(0)) tell(job);
  }

  /** A job left running, cancelled by its owner: true while the recovery waits, which then ends it cancelled. */
  cancel(id: string): boolean {
    if (this.pending) this.cancels.add(id);
    return this.pending;
  }

  /** A job cancelled while the recovery waits, as its owner was answered (/queue lists it as stopping). */
  get(id: string): Job | undefined {
    const row = this.pending && this.cancels.has(id) ? this.options.store.get(id) : undefined;
    return row && { ...row, status: 'cancelled', meta: { ...row.meta, cancelRequested: true } };
  }

  private report(ended: readonly Job[]): void {
    if (this.tell) for (const job of ended) this.tell(job);
    else this.ended.push(...ended);
  }
}
