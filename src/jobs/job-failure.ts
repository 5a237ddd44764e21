// What a failed job tells its owner: the locale key and parameters for a stop (timeout), a full disk, a stored input
// that is lost, an engine error, or anything else.
import { EngineError } from '../../engine/index.js';
import { isDiskFull } from '../data-dir.js';
import { StoredFileLost } from './store.js';
import type { Job } from './types.js';

/** Why a running job was aborted: its owner cancelled it, it ran too long, or the process is shutting down. */
export type StopReason = 'cancel' | 'timeout' | 'shutdown';

export const DISK_FULL: NonNullable<Job['error']> = { key: 'errors.disk_full', params: {} };

/** The error a job that failed (not cancelled, not shut down) records; `jobTimeoutMs` words a timeout. */
export function jobErrorFor(
  error: unknown,
  reason: StopReason | undefined,
  jobTimeoutMs: number,
): Job['error'] {
  if (reason === 'timeout') {
    return { key: 'errors.job.timeout', params: { limitMs: jobTimeoutMs } };
  }
  if (isDiskFull(error)) return DISK_FULL;
  // An input gone from the job's folder (cleaned by hand) or cut short: sending it again is the only way.
  if (error instanceof StoredFileLost) return { key: 'errors.job.input_lost', params: {} };
  if (error instanceof EngineError) return { key: `errors.engine.${error.code}`, params: error.params };
  return { key: 'errors.generic', params: {} };
}
