// What the commands layer needs of a job queue: the embedded SQLite JobQueue and the distributed FrontQueue
// (QUEUE_URL) both provide it, so commands/ and adapters/ do not know which one runs.
import type { JobListener } from './events.js';
import type { CancelResult, JobHold, SubmitInput, SubmitResult } from './queue-types.js';
import type { RateSlot, RateSlotRequest } from './rate-slots.js';
import type { Job, Owner } from './types.js';
import type { Place, WaitPlan } from './wait-plan.js';

export interface JobQueueApi {
  readonly msPerUnit: number;
  /** Whether a job has run on this device yet: until then `expectedMs` is a placeholder, too rough to show. */
  readonly paceKnown: boolean;
  /**
   * False while no worker is alive to run jobs (a shared queue's workers all stopped, or none started yet): a
   * waiting job's reply then gives no ETA. Absent where the worker is this process, always there.
   */
  readonly workersRunning?: boolean;
  /**
   * Whether `id`, left running by the last process, waits for this start's recovery to run it again (recovery.ts):
   * its reply is the restart its owner was promised. Absent where no recovery holds jobs (a shared queue).
   */
  restartPending?(id: string): boolean;
  /** How long `job` is expected to run, from its own job type's measured speed where known. */
  expectedMs(job: Pick<Job, 'request' | 'estimatedCost'>): number;
  /**
   * The clock this queue stamps its jobs with (`createdAt`, `startedAt`, `finishedAt`): a shared queue's is Redis's,
   * which may differ from this machine's by minutes. A job's age or time left is measured against this one.
   */
  now(): number;
  isAdmin(owner: Owner): boolean;
  submit(input: SubmitInput): SubmitResult;
  /**
   * Holds `owner`'s waiting jobs for the submission that will replace them (`SubmitInput.replaces`: an edited
   * request), so that it takes their place in one step: undefined when one of them no longer waits, is not
   * `owner`'s or is held already. The caller must end it (submit, or `release`). Absent where a queue cannot hold:
   * the caller cancels first and submits after.
   */
  hold?(ids: readonly string[], owner: Owner): JobHold | undefined;
  get(id: string): Job | undefined;
  /** Jobs ahead, and the time until the job's run starts and until it ends (with every job batched with it). */
  positionOf(id: string): Place;
  plannedOrder(): Job[];
  /**
   * Waiting jobs whose owners were answered "cancelled" while the queue still counts them against the per-user limit
   * (a shared queue's cancel whose write Redis refuses, tried again until it lands: front-cancel.ts). Not in
   * `plannedOrder` (no place, no Cancel); /queue lists them as stopping, so that "You already have N jobs waiting"
   * names the jobs /queue shows. Absent where a waiting job's cancel is stored at once.
   */
  beingCancelled?(): Job[];
  /** The one dry run behind both: each waiting job's place, in start order, and each running job's run end. */
  waitPlan(): WaitPlan<Job>;
  cancel(id: string, by: Owner, asAdmin?: boolean): CancelResult;
  subscribe(listener: JobListener): () => void;
  /**
   * The rate limit's window shared by every front-end of a distributed queue (check and record at once). Absent in
   * one process, where the commands layer counts in memory.
   */
  takeRateSlot?(request: RateSlotRequest): Promise<RateSlot>;
  /** False once the queue is stopping (it refuses submissions); absent where it never refuses them so. */
  readonly accepting?: boolean;
  start(): void;
  stop(options?: { waitMs?: number }): Promise<void>;
  /**
   * A job's failed ending reached its owner (the adapters edited it in or replied with it): a failure the database
   * refused to store on the job's last attempt is then not apologised for again by the next start. Absent where
   * nothing depends on it.
   */
  failureTold?(jobId: string): void;
  /** The process ends at once: the running jobs go back into the queue, their retry kept. Absent where no job runs. */
  putBackRunning?(): void;
}
