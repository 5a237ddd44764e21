// The JobQueue's options and the answers of submit and cancel, shared with the distributed FrontQueue.
import type { Engine } from '../../engine/index.js';
import type { JobStore } from './store.js';
import type { Job, JobKind, Owner, Priority, Scope, StoredRequest } from './types.js';

export interface QueueLimits {
  maxPerUser: number;
  maxRunningPerUser: number;
  maxPerScope: number;
  maxTotal: number;
  jobTimeoutMs: number;
}

export interface JobQueueOptions {
  store: JobStore;
  engine: Pick<Engine, 'generate' | 'estimateCost' | 'info'> & Partial<Pick<Engine, 'generateBatch'>>;
  limits: QueueLimits;
  /** Most compatible jobs run together through the engine's shared passes (1 = one job at a time). */
  maxBatch?: number;
  /** Owners (as `platform:id`) who may cancel any job and whose jobs run at high priority. */
  admins?: readonly string[];
  agingMs?: number;
  previewIntervalMs?: number;
  maxInputPixels?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
  now?: () => number;
}

export interface SubmitInput {
  owner: Owner;
  scope: Scope;
  kind: JobKind;
  request: StoredRequest;
  /** Input files named in `request` (PNG/JPEG/WebP bytes as received), stored before the job is accepted. */
  files?: Record<string, Uint8Array>;
  meta?: Record<string, unknown>;
  priority?: Priority;
  /**
   * Jobs this submission stands for, held for it (`JobQueueApi.hold`: an edited request). Admitted, it cancels them
   * in the same step, and they are not counted against the caps; refused, it releases them to wait as before. Ids
   * not held (any more) are ignored.
   */
  replaces?: readonly string[];
  /**
   * Called when a submission answered as queued is not queued after all (a shared queue whose Redis refused it; its
   * owner hears it failed): what the caller took for it, the rate-limit slot, goes back. Never throws.
   */
  notQueued?: () => void;
}

/**
 * Waiting jobs held for the submission that replaces them: not started, still in their place and still counted for
 * every other submission. `state`: still `held`; `replaced` (cancelled as their replacement was admitted); or
 * `released` (waiting as before: the queue refused the replacement, or `release` was called).
 */
export interface JobHold {
  readonly state: 'held' | 'replaced' | 'released';
  /** Ends the hold, the jobs waiting as before; nothing once it has ended. */
  release(): void;
}

export interface Refusal {
  key: string;
  params: Record<string, string | number>;
}

export type SubmitResult =
  | { ok: true; job: Job; ahead: number; etaMs: number; endMs: number }
  | { ok: false; refusal: Refusal };

export type CancelResult = 'cancelled' | 'cancelling' | 'not_found' | 'refused' | 'finished';
