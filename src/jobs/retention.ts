// What DATA_DIR/jobs/<id>/ keeps and for how long: a finished job's inputs and results are removed when its owner
// presses Delete, and by a sweep (at start-up, then hourly) once it finished more than RESULT_RETENTION_DAYS ago.
// The job's row stays (fair share, /info's counts, history), marked `filesRemoved`, so a later follow-up can say
// why its files are gone instead of failing on a missing file. A folder no row claims (a crash between writing a
// submission's inputs and storing its row) goes too, once it is older than the retention period.
import { opendir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CANCEL_MARKER_SUFFIX } from './job-transitions.js';
import type { JobQueueOptions } from './queue-types.js';
import { SteadyWallClock } from './steady-clock.js';
import { isJobId, type JobStore } from './store.js';
import { ENDED_STATUSES, type FilesRemoved, type Job } from './types.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

/**
 * Removes a finished job's stored files at its owner's request (Delete), at once: its row is marked first, so a
 * follow-up from then on is told the job was deleted rather than finding half a folder. An undelivered ending of it
 * is no longer offered (/queue). False when the job is unknown, not finished (the queue still needs its inputs) or
 * already without files.
 */
export function deleteJobFiles(store: JobStore, id: string, now: number): boolean {
  const job = store.get(id);
  if (!job || !ENDED_STATUSES.has(job.status) || job.filesRemoved) return false;
  markRemoved(store, job, { reason: 'deleted', at: now });
  try {
    store.removeFiles(id);
  } catch {
    // A folder that cannot be removed (permissions) stays behind; the job already reads as deleted everywhere.
  }
  return true;
}

function markRemoved(store: JobStore, job: Job, removal: FilesRemoved): void {
  store.transaction(() => {
    store.update({ ...job, filesRemoved: removal });
    store.deliveries.clear(job.id);
  });
}

export interface RetentionOptions {
  store: JobStore;
  /** RESULT_RETENTION_DAYS; 0 keeps finished jobs' files forever (the files of deleted jobs go all the same). */
  days: number;
  log?: JobQueueOptions['log'];
  now?: () => number;
  /** A clock that never steps (tests); `performance.now` by default. */
  monotonic?: () => number;
  /** Between sweeps (default hourly). */
  intervalMs?: number;
  /** Jobs read from the database at a time, between which the sweep lets the event loop run. */
  pageSize?: number;
}

export interface SweepResult {
  /** Jobs whose files outlived the retention period. */
  expired: number;
  /** Jobs their owner deleted whose files were still there (deleted before Delete removed files, or while running). */
  deleted: number;
  /** Folders of jobs with no row (left by a crash), unchanged for longer than the retention period. */
  orphans: number;
  freedBytes: number;
}

/** Removes, at start-up and then every `intervalMs`, the files of finished jobs past retention and of deleted ones. */
export class RetentionSweeper {
  /** The wall clock as far as this process has seen time pass: a step forward is not taken in one jump. */
  private readonly clock: SteadyWallClock;
  /** The wall clock was found ahead of the time the sweep acts on (logged once per step). */
  private ahead = false;
  private timers: NodeJS.Timeout[] = [];
  private current: Promise<SweepResult> | undefined;
  private stopped = false;
  private sweeps = 0;

  constructor(private readonly options: RetentionOptions) {
    this.clock = new SteadyWallClock({ wall: options.now ?? Date.now, monotonic: options.monotonic });
  }

  /** The first sweep right after start-up, then one every interval; the timers never keep the process alive. */
  start(): void {
    if (this.stopped || this.timers.length > 0) return;
    const tick = () => void this.sweep();
    this.timers = [setTimeout(tick, 0), setInterval(tick, this.options.intervalMs ?? HOUR_MS)];
    for (const timer of this.timers) timer.unref();
  }

  /** One sweep; a call while one runs gets that one. Never rejects: a failure is logged and the next sweep retries. */
  sweep(): Promise<SweepResult> {
    this.current ??= this.run().finally(() => {
      this.current = undefined;
    });
    return this.current;
  }

  /** No sweep starts from now on; resolves once the running one has stopped (before the database closes). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
    await this.current;
  }

  private async run(): Promise<SweepResult> {
    const result: SweepResult = { expired: 0, deleted: 0, orphans: 0, freedBytes: 0 };
    const { store, days, pageSize = 200 } = this.options;
    try {
      const now = this.steadyNow();
      const cutoff = days > 0 ? now - days * DAY_MS : undefined;
      // Jobs a waiting, running or recent follow-up was made from (an upscale queued on an old result): in use, so
      // their files stay while the user works on them. A follow-up is always submitted after the job it was made
      // from, so walking newest first has seen every follow-up of a job before reaching it.
      const inUse = new Set<string>();
      let before = Number.MAX_SAFE_INTEGER;
      while (!this.stopped) {
        const page = store.before(before, pageSize);
        if (page.length === 0) break;
        before = (page.at(-1) as Job).seq;
        for (const job of page) if (keepsOriginInUse(job, cutoff)) inUse.add(job.meta.origin as string);
        for (const job of page) {
          if (this.stopped) break;
          const removal = removalOf(job, now, days, cutoff, inUse);
          if (!removal) continue;
          const freed = await this.remove(job.id, removal);
          if (freed === undefined) continue;
          result[removal.reason] += 1;
          result.freedBytes += freed;
        }
        // One page at a time, so a large history never holds up the bot's replies for long.
        await yieldToEvents();
      }
      await this.sweepOrphans(cutoff, result);
    } catch (error) {
      this.options.log?.('warn', 'retention sweep failed; the next one tries again', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
    this.report(result);
    return result;
  }

  /** The time a sweep acts on; a wall clock that stepped ahead of it is said once. */
  private steadyNow(): number {
    const { at, aheadMs } = this.clock.now();
    const ahead = aheadMs > HOUR_MS;
    if (ahead && !this.ahead) {
      this.options.log?.(
        'warn',
        'the system clock jumped ahead; results expire as time passes, not at once',
        {
          aheadHours: Math.round(aheadMs / HOUR_MS),
        },
      );
    }
    this.ahead = ahead;
    return at;
  }

  /** The bytes freed, or undefined when the job changed meanwhile and keeps its files. */
  private async remove(id: string, removal: FilesRemoved): Promise<number | undefined> {
    const { store } = this.options;
    // Read again: an owner may have deleted it (or the store changed it) while the sweep waited on the disk.
    const job = store.get(id);
    if (!job || !ENDED_STATUSES.has(job.status) || job.filesRemoved) return undefined;
    markRemoved(store, job, removal);
    const folder = store.folder(id);
    const bytes = (await contentsOf(folder))?.bytes ?? 0;
    try {
      await rm(folder, { recursive: true, force: true });
    } catch (error) {
      this.options.log?.('warn', 'could not remove the files of a job', {
        jobId: id,
        error: error instanceof Error ? error.message : String(error),
      });
      return 0;
    }
    return bytes;
  }

  /**
   * Removes the folders under DATA_DIR/jobs that no row claims, a page of them at a time as the jobs' pass does.
   * Only one unchanged since `cutoff` (by its own and its files' mtime), so a submission whose inputs are being
   * written now, its row not stored yet, keeps its folder; one whose job has a row, in any state, is left to that
   * job. Also the cancel markers beside them (job-transitions.ts markCancelRequested) whose job no longer waits to be
   * recovered, whatever the retention period: the recovery that read one could not remove it.
   */
  private async sweepOrphans(cutoff: number | undefined, result: SweepResult): Promise<void> {
    const { store, pageSize = 200 } = this.options;
    let page: string[] = [];
    // Breaking out of the loop closes the directory.
    for await (const entry of await opendir(store.filesRoot)) {
      if (this.stopped) return;
      if (entry.isFile() && entry.name.endsWith(CANCEL_MARKER_SUFFIX)) {
        await this.removeStaleCancelMarker(entry.name);
        continue;
      }
      if (cutoff === undefined || !entry.isDirectory() || !isJobId(entry.name)) continue;
      page.push(entry.name);
      if (page.length < pageSize) continue;
      await this.removeOrphans(page, cutoff, result);
      page = [];
    }
    if (cutoff !== undefined && page.length > 0) await this.removeOrphans(page, cutoff, result);
  }

  /** A cancel marker is kept only while its job's row still says `running` (its recovery waits for the disk). */
  private async removeStaleCancelMarker(name: string): Promise<void> {
    const { store } = this.options;
    const id = name.slice(0, -CANCEL_MARKER_SUFFIX.length);
    if (isJobId(id) && store.get(id)?.status === 'running') return;
    await rm(join(store.filesRoot, name), { force: true }).catch(() => {
      // Best effort: tried again by the next sweep.
    });
  }

  private async removeOrphans(ids: readonly string[], cutoff: number, result: SweepResult): Promise<void> {
    const { store } = this.options;
    const known = store.existingIds(ids);
    for (const id of ids) {
      if (this.stopped) return;
      if (known.has(id)) continue;
      const folder = store.folder(id);
      const contents = await contentsOf(folder);
      if (!contents || contents.changedMs >= cutoff) continue;
      // Asked again after waiting on the disk: never remove a folder whose row has just been stored.
      if (store.existingIds([id]).size > 0) continue;
      try {
        await rm(folder, { recursive: true, force: true });
      } catch (error) {
        this.options.log?.('warn', 'could not remove the folder of a job with no record', {
          jobId: id,
          error: error instanceof Error ? error.message : String(error),
        });
        continue;
      }
      result.orphans += 1;
      result.freedBytes += contents.bytes;
    }
    await yieldToEvents();
  }

  /** One line per sweep that removed something (and the first, which shows the setting is in force). */
  private report(result: SweepResult): void {
    const first = this.sweeps === 0;
    this.sweeps += 1;
    if (!first && result.expired + result.deleted + result.orphans === 0) return;
    this.options.log?.('info', 'stored files of old and deleted jobs removed', {
      ...result,
      freedMB: Math.round(result.freedBytes / 1e5) / 10,
      retentionDays: this.options.days,
    });
  }
}

function keepsOriginInUse(job: Job, cutoff: number | undefined): boolean {
  if (typeof job.meta.origin !== 'string') return false;
  return (
    job.status === 'queued' || job.status === 'running' || (cutoff !== undefined && job.createdAt >= cutoff)
  );
}

function removalOf(
  job: Job,
  now: number,
  days: number,
  cutoff: number | undefined,
  inUse: ReadonlySet<string>,
): FilesRemoved | undefined {
  if (!ENDED_STATUSES.has(job.status) || job.filesRemoved) return undefined;
  if (job.meta.deleted === true) return { reason: 'deleted', at: now };
  if (cutoff === undefined || inUse.has(job.id)) return undefined;
  return (job.finishedAt ?? job.createdAt) < cutoff
    ? { reason: 'expired', at: now, afterDays: days }
    : undefined;
}

/**
 * Bytes in a job's folder, and when it or a file in it last changed (a file being written changes only its own
 * mtime); undefined when the folder is gone. A file already gone (removed by hand) counts nothing.
 */
async function contentsOf(folder: string): Promise<{ bytes: number; changedMs: number } | undefined> {
  let names: string[];
  let changedMs: number;
  try {
    changedMs = (await stat(folder)).mtimeMs;
    names = await readdir(folder);
  } catch {
    return undefined;
  }
  let bytes = 0;
  for (const name of names) {
    try {
      const info = await stat(join(folder, name));
      if (info.isFile()) bytes += info.size;
      changedMs = Math.max(changedMs, info.mtimeMs);
    } catch {
      // Gone between listing and looking: nothing to count.
    }
  }
  return { bytes, changedMs };
}

function yieldToEvents(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}
