// How far each running job has got, for /queue's line: the latest step and total its `progress` events told, heard
// from the queue the adapters hear (the local queue's worker, or a shared queue's front-end, which is told the
// progress of the jobs it submitted: the very jobs its store, and so /queue, shows running). A job is forgotten when
// it ends or its run stops or begins again, so the memory holds running jobs only.
import { ENDED_STATUSES, type JobEvent, type JobQueueApi } from '../src/jobs/index.js';

/** A job whose run began again counts its steps from the start: what an earlier run reached no longer holds. */
const FORGETS = new Set<JobEvent['type']>(['started', 'done', 'failed', 'cancelled', 'paused']);
/**
 * Far above the jobs that run at once (workers × batch): a job whose end was never heard (a shared queue's message
 * lost with the front-end's connection) cannot keep the memory growing.
 */
const MAX_REMEMBERED = 1000;

interface Step {
  step: number;
  total: number;
}

export class JobProgress {
  private readonly latest = new Map<string, Step>();
  private readonly unsubscribe: () => void;

  constructor(queue: Pick<JobQueueApi, 'subscribe'>) {
    this.unsubscribe = queue.subscribe((event) => this.heard(event));
  }

  /** Stops listening (the commands closing): a queue outliving them keeps no listener of theirs. */
  close(): void {
    this.unsubscribe();
    this.latest.clear();
  }

  /**
   * floor(100 · step / total), within 0..100; undefined before any progress of the job's run, or with no total to
   * count against.
   */
  percentOf(jobId: string): number | undefined {
    const seen = this.latest.get(jobId);
    if (!seen || !(seen.total > 0) || !Number.isFinite(seen.step)) return undefined;
    return Math.min(100, Math.max(0, Math.floor((100 * seen.step) / seen.total)));
  }

  /** How many jobs are remembered (tests: ended jobs leave nothing behind). */
  get size(): number {
    return this.latest.size;
  }

  private heard(event: JobEvent): void {
    const { id } = event.job;
    if (FORGETS.has(event.type)) {
      this.latest.delete(id);
      return;
    }
    // A step the engine reported as the job ended (a cancel's last one) must not bring it back.
    if (event.type !== 'progress' || ENDED_STATUSES.has(event.job.status)) return;
    // Re-inserted, so the first key is always the one heard from longest ago.
    this.latest.delete(id);
    this.latest.set(id, { step: event.step, total: event.total });
    if (this.latest.size > MAX_REMEMBERED) {
      const oldest = this.latest.keys().next().value;
      if (oldest !== undefined) this.latest.delete(oldest);
    }
  }
}
