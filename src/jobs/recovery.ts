// The jobs the last process left running, recovered as the queue opens (job-transitions.ts recoverInterrupted). On a
// full disk the database refuses those writes: the queue opens all the same, so the bot starts and answers (a new job
// gets the full-disk refusal, as its own write would), and the recovery is tried again by the worker each second and
// by each submission until the database takes it. Nothing runs meanwhile: those rows still say `running`, so none of
// them runs twice, and no new job goes ahead of them. Said once when it begins to wait and once when it is done.
// A cancel meanwhile is kept in a file that needs no free space (job-transitions.ts markCancelRequested: an empty file
// in the jobs folder, as the job may have no folder of its own), so a stop before the disk has room does not run a job
// its owner was told is stopping.
import { isFullAt } from '../data-dir.js';
import {
  cancelMarked,
  lastAttempt,
  markCancelRequested,
  recoverInterrupted,
  toldEnd,
} from './job-transitions.js';
import type { CancelResult, JobQueueOptions } from './queue-types.js';
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
      if (!isFullAt(error, this.options.store.dataDir)) throw error;
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

  /** Whether the jobs left running still wait to be recovered: nothing runs meanwhile. */
  get waiting(): boolean {
    return this.pending;
  }

  /**
   * A job left running, cancelled by its owner while the recovery waits (else undefined): 'cancelling' once kept
   * where a stop cannot lose it; 'finished' when its owner was told its failure already. Throws (a full disk refusing
   * even the marker) rather than promise a cancel it could not keep.
   */
  cancel(id: string): CancelResult | undefined {
    const row = this.pending ? this.options.store.get(id) : undefined;
    if (row?.status !== 'running') return undefined;
    if (toldEnd(this.options.store, row, this.now())) return 'finished';
    markCancelRequested(this.options.store, id);
    this.cancels.add(id);
    return 'cancelling';
  }

  /**
   * Whether the job is one left running that this waiting recovery will queue again (its owner was promised that at
   * the last stop): not on its last attempt, not cancelled, no end told (those the recovery ends).
   */
  restarts(id: string): boolean {
    const row = this.pending ? this.options.store.get(id) : undefined;
    if (row?.status !== 'running' || lastAttempt(row) || row.meta.cancelRequested === true) return false;
    return this.get(id) === undefined;
  }

  /**
   * A job left running as its owner knows it while the recovery waits: cancelled as answered (/queue lists it as
   * stopping, this start's cancel or the last one's), or ended with the failure it was told (not listed, no Cancel).
   */
  get(id: string): Job | undefined {
    const row = this.pending ? this.options.store.get(id) : undefined;
    if (row?.status !== 'running') return undefined;
    const told = toldEnd(this.options.store, row, this.now());
    if (told) return { ...row, ...told };
    if (!this.cancels.has(id) && !cancelMarked(this.options.store, id)) return undefined;
    return { ...row, status: 'cancelled', meta: { ...row.meta, cancelRequested: true } };
  }

  private report(ended: readonly Job[]): void {
    if (this.tell) for (const job of ended) this.tell(job);
    else this.ended.push(...ended);
  }
}
