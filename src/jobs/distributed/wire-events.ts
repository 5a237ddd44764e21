// What workers and the dispatcher publish on a front-end's events channel about one of its jobs (JSON): the job's
// record as saved just before, so a front-end that missed the message reads the same from the record.
import type { Job } from '../types.js';

export type WireEvent =
  | { type: 'started'; job: Job; etaMs: number }
  | { type: 'progress'; job: Job; step: number; total: number; preview?: WirePreview }
  | { type: 'done'; job: Job }
  | { type: 'failed'; job: Job }
  | { type: 'cancelled'; job: Job }
  | { type: 'paused'; job: Job; restarts: true; reason: 'worker' | 'worker_lost' };

export interface WirePreview {
  width: number;
  height: number;
  /** RGB bytes, base64. */
  data: string;
}
