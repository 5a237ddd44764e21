// The job system's public entry: commands/ and adapters/ import the queue, store, events and types from here only.
import type { Engine } from '../../engine/index.js';
import type { Config } from '../config/index.js';
import { JobQueue } from './queue.js';
import type { JobQueueApi } from './queue-api.js';
import { RetentionSweeper } from './retention.js';
import { JobStore } from './store.js';

export { isDiskFull, isFullAt } from '../data-dir.js';
export { type BlockEntry, BlockList } from './blocks.js';
export { checkJobDatabase } from './database.js';
export { DeliveryLog } from './deliveries.js';
export { estimateStoredRequest } from './estimate.js';
export type { JobEvent, JobListener } from './events.js';
export { JobEvents } from './events.js';
export { type InboxEntry, type InboxLimits, type Leftovers, UpdateInbox } from './inbox.js';
export { insertFinishedImage } from './job-parts.js';
export { lastAttempt } from './job-transitions.js';
export { AfterStored, NotStored } from './not-stored.js';
export { type OpenQuestion, QuestionLog } from './questions.js';
export type {
  CancelResult,
  JobHold,
  JobQueueOptions,
  QueueLimits,
  Refusal,
  SubmitInput,
  SubmitResult,
} from './queue.js';
export { JobQueue } from './queue.js';
export type { JobQueueApi } from './queue-api.js';
export type { RateSlot, RateSlotRequest, TakeRateSlot } from './rate-slots.js';
export { deleteJobFiles, type RetentionOptions, RetentionSweeper, type SweepResult } from './retention.js';
export type { Candidate, SchedulerOptions } from './scheduler.js';
export { charge, FairScheduler, liftReturningUser } from './scheduler.js';
export { JobStore, StoredFileLost } from './store.js';
export type {
  FilesRemoved,
  Job,
  JobKind,
  JobStatus,
  Owner,
  Platform,
  Priority,
  Scope,
  StoredImage,
  StoredRequest,
} from './types.js';
export { ENDED_STATUSES, isStoredImage, ownerKey, ownerOf } from './types.js';
export type { Place, PlannedEnd, PlannedStart, WaitPlan } from './wait-plan.js';

export interface JobSystem {
  store: JobStore;
  queue: JobQueueApi;
  /**
   * With a shared queue each front-end receives every platform event: true for the one process that takes `key`
   * first (held `ttlMs`), false for the others. Absent in one process, where every event is its own.
   */
  claim?(key: string, ttlMs: number): Promise<boolean>;
  /**
   * Stops intake, lets the running job finish within `waitMs` (else puts it back into the queue), then closes
   * the database. After `queue.stop()` it only closes the database.
   */
  close(options?: { waitMs?: number }): Promise<void>;
}

export interface OpenJobSystemOptions {
  /** Without `resultRetentionDays` (a test's own config) no files are removed by a sweep. */
  config: Pick<Config, 'dataDir' | 'queue' | 'adminIds' | 'limits'> &
    Partial<Pick<Config, 'resultRetentionDays'>>;
  engine: Pick<Engine, 'generate' | 'estimateCost' | 'info'> & Partial<Pick<Engine, 'generateBatch'>>;
  log?: JobQueueLog;
  /** Ask the engine for progress previews at most this often (absent = none). */
  previewIntervalMs?: number;
}

type JobQueueLog = (
  level: 'info' | 'warn' | 'error',
  message: string,
  fields?: Record<string, unknown>,
) => void;

/**
 * Opens the store under DATA_DIR and the queue with the configured caps and admins, and starts removing the files of
 * old and deleted jobs (retention.ts); call `queue.start()` next.
 */
export function openJobSystem({ config, engine, log, previewIntervalMs }: OpenJobSystemOptions): JobSystem {
  const store = new JobStore(config.dataDir);
  const retention =
    config.resultRetentionDays === undefined
      ? undefined
      : new RetentionSweeper({ store, days: config.resultRetentionDays, log });
  retention?.start();
  const queue = new JobQueue({
    store,
    engine,
    limits: config.queue,
    admins: config.adminIds,
    maxBatch: config.queue.maxBatch || defaultMaxBatch(engine.info.device),
    maxInputPixels: config.limits.maxInputPixels,
    previewIntervalMs,
    log,
  });
  return {
    store,
    queue,
    async close(options) {
      await retention?.stop();
      await queue.stop(options);
      store.close();
    },
  };
}

/**
 * On CPU a forward pass already uses every core: 2 or 4 jobs together took exactly 2 or 4 times as long
 * (bench/results/engine-tasks.json, `batching`). On a GPU a 256²–512² job leaves most of the device idle, so
 * jobs of one shape share passes.
 */
export function defaultMaxBatch(device: 'cuda' | 'cpu'): number {
  return device === 'cuda' ? 4 : 1;
}
