// The job model: what was asked, by whom, where, and what became of it.
import type { EngineRequest } from '../../engine/index.js';

export type JobStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

/** The statuses a job ends in (its final state): its record changes no more, and its events are done. */
export const ENDED_STATUSES: ReadonlySet<string> = new Set<JobStatus>(['done', 'failed', 'cancelled']);
export type JobKind = 'imagine' | 'edit' | 'paint' | 'describe';
export type Platform = 'discord' | 'telegram' | 'web' | 'cli';

export interface Owner {
  platform: Platform;
  userId: string;
}

/** `guild:<id>`, `chat:<id>`, `dm:<user>`, `playground` — the second level of fairness and of caps. */
export type Scope = string;

/** An image input of a request, by the name of its stored file in the job's folder. */
export interface StoredImage {
  file: string;
}

/** A `{ file }` object inside a stored request: one of its images (wherever it is nested, a mask included). */
export function isStoredImage(value: unknown): value is StoredImage {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { file?: unknown }).file === 'string' &&
    Object.keys(value).length === 1
  );
}

/** The engine request with images replaced by stored files, as kept in the database. */
export type StoredRequest = DistributeImages<EngineRequest>;

type DistributeImages<T> = T extends unknown ? ReplaceImages<T> : never;
type ReplaceImages<T> = { [K in keyof T]: ReplaceField<T[K]> };
// Distributes over unions (optional fields, PaintRegion), so a mask region nested in `region` is stored too.
type ReplaceField<F> = F extends { data: Uint8Array }
  ? StoredImage
  : F extends { kind: 'mask'; mask: { data: Uint8Array } }
    ? { kind: 'mask'; mask: StoredImage }
    : F;

export type Priority = 'normal' | 'high';

export interface Job {
  id: string;
  seq: number; // submission order
  owner: Owner;
  scope: Scope;
  kind: JobKind;
  request: StoredRequest;
  /** Free-form data the commands layer keeps with a job (locale, chat/message ids to edit, origin job). */
  meta: Record<string, unknown>;
  priority: Priority;
  status: JobStatus;
  attempts: number;
  estimatedCost: number; // forward-token units
  measuredMs?: number;
  /** Its share of the model's time: a batch's time split by estimated cost (all of it when it ran alone). */
  deviceMs?: number;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  /** Result: a stored PNG and/or text; several images are their grid (`file`) and each (`candidates`). */
  result?: {
    file?: string;
    text?: string;
    seed?: number;
    width?: number;
    height?: number;
    candidates?: Array<{ file: string; seed: number }>;
  };
  /** Locale key of the failure, with its parameters. */
  error?: { key: string; params: Record<string, string | number> };
  /** The job's stored files (inputs, results) are gone; the record stays for fair share and usage counts. */
  filesRemoved?: FilesRemoved;
}

/**
 * Why a finished job's files were removed: its owner pressed Delete, or they outlived RESULT_RETENTION_DAYS
 * (`afterDays`, as set when they were removed, for the line a later follow-up gets).
 */
export type FilesRemoved =
  | { reason: 'deleted'; at: number }
  | { reason: 'expired'; at: number; afterDays: number };

export function ownerKey(owner: Owner): string {
  return `${owner.platform}:${owner.userId}`;
}

/** The owner an `ownerKey` names: its platform ends at the first ':' (an id may hold more); none in a key without. */
export function ownerOf(key: string): Owner | undefined {
  const colon = key.indexOf(':');
  if (colon < 0) return undefined;
  return { platform: key.slice(0, colon) as Platform, userId: key.slice(colon + 1) };
}
