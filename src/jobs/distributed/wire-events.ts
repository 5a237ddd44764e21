// What workers and the dispatcher publish on a front-end's events channel about one of its jobs (JSON): the job's
// record as saved just before, so a front-end that missed the message reads the same from the record.
import type { Job } from '../types.js';

export type WireEvent =
  | { type: 'started'; job: Job; etaMs: number }
  | { type: 'progress'; job: Job; step: number; total: number; preview?: WirePreview; phase?: 'finishing' }
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

const EVENT_TYPES = new Set(['started', 'progress', 'done', 'failed', 'cancelled', 'paused']);

/**
 * A message from a front-end's events channel, or undefined when it is none of ours (not JSON, or no job record
 * with an id and owner): another program publishing on the channel, or a bot of another version, must not stop the
 * process whose subscriber hears it.
 */
export function parseWireEvent(message: string): WireEvent | undefined {
  const event = parseObject(message);
  const job = event?.job;
  if (!event || typeof event.type !== 'string' || !EVENT_TYPES.has(event.type)) return undefined;
  return isJobRecord(job) ? (event as unknown as WireEvent) : undefined;
}

/** A job record as stored in Redis, or undefined when the text is none (not JSON, or not a job's shape). */
export function parseJobRecord(text: string): Job | undefined {
  const record = parseObject(text);
  return isJobRecord(record) ? record : undefined;
}

/** A cancel channel message's job id, or undefined when the message is none of ours. */
export function parseCancelMessage(message: string): string | undefined {
  const id = parseObject(message)?.id;
  return typeof id === 'string' ? id : undefined;
}

/** Whether a record read from Redis has what every reader of a job needs: id, status, owner, request and meta. */
function isJobRecord(value: unknown): value is Job {
  if (typeof value !== 'object' || value === null) return false;
  const job = value as Record<string, unknown>;
  const owner = job.owner as Record<string, unknown>;
  return (
    typeof job.id === 'string' &&
    typeof job.status === 'string' &&
    isObject(owner) &&
    typeof owner.platform === 'string' &&
    typeof owner.userId === 'string' &&
    isObject(job.request) &&
    isObject(job.meta)
  );
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
