// One run of the single-process worker: the jobs it picked together go through the engine in one call
// (`generateAll`: `generate` for one, `generateBatch` for several sharing forward passes), while each keeps its own
// abort (cancel, timeout, shutdown), progress, outcome and charge. The shared queue's worker runs its jobs the same
// way (distributed/worker-batch.ts).
import type { EngineRequest, EngineResult, GenerateOptions } from '../../engine/index.js';
import { isFullAt } from '../data-dir.js';
import { Failure, generateAll, runCost } from './engine-run.js';
import type { EtaCalibration } from './eta-calibration.js';
import type { JobEvents } from './events.js';
import { DISK_FULL, jobErrorFor, type StopReason } from './job-failure.js';
import { materializeRequest, recordResult } from './job-parts.js';
import { markRunning, putBack, recordEndedEarly, removeResultQuietly } from './job-transitions.js';
import type { JobQueueOptions } from './queue-types.js';
import { endEvent, type RefusedEnds } from './refused-ends.js';
import type { JobStore } from './store.js';
import type { Job } from './types.js';

/** A job with the engine: what cancel and shutdown abort, and why. */
export interface RunningEntry {
  job: Job;
  controller: AbortController;
  reason?: StopReason;
  /** The share of its steps the engine reported done: what a job that ends early is charged for. */
  ran?: number;
  timer?: NodeJS.Timeout;
  /**
   * The engine has answered: its outcome is being stored (a result's PNGs encoded and written), which no abort
   * stops and which needs only the database, so a shutdown lets it end (queue.ts) rather than telling it failed.
   */
  storing?: boolean;
}

export interface RunDeps {
  options: Pick<JobQueueOptions, 'engine' | 'limits' | 'log' | 'previewIntervalMs' | 'maxInputPixels'>;
  store: JobStore;
  counters: Map<string, number>;
  events: Pick<JobEvents, 'emit'>;
  eta: Pick<EtaCalibration, 'expectedMs' | 'learn'>;
  now(): number;
  /** Every job with the engine, by id: the run adds its jobs and takes them out when they end. */
  running: Map<string, RunningEntry>;
  /** Ended jobs whose end the database refused to store (a full disk): stored once it takes writes again. */
  refused: Pick<RefusedEnds, 'add'>;
  /**
   * Jobs whose run a shutdown gave up on (queue.ts): their owners were told, the stop resolved and the database may
   * be closed, so the run's late end changes nothing; each row stays as the stop left it for the next start.
   */
  givenUp: ReadonlySet<string>;
  /** Tells the owner of a job the shutdown put back (once). */
  pause(job: Job, restarts: boolean): void;
  /** Tells the waiting jobs whose place changed. */
  tellPlaces(): void;
  /** The run's jobs have ended (or gone back to the queue): the fair share may let idle users go. */
  settle(ended: readonly Job[]): void;
}

/**
 * Runs one job, or several compatible ones sharing the engine's forward passes (the scheduler picked each of them
 * fairly). Each job keeps its own cancellation, timeout, progress and outcome.
 */
export async function runBatch(deps: RunDeps, jobs: readonly Job[]): Promise<void> {
  const entries: RunningEntry[] = [];
  for (const job of jobs) {
    try {
      entries.push(begin(deps, job));
    } catch (error) {
      // A job that could not be marked running stays queued; those already begun still run.
      if (entries.length === 0) throw error;
      break;
    }
  }
  // All jobs of one engine call end together, after the whole run: each is told the run's time, as the jobs waiting
  // behind it are (wait-plan.ts), not its own share of it.
  const etaMs = Math.round(entries.reduce((sum, { job }) => sum + deps.eta.expectedMs(job), 0));
  for (const { job } of entries) deps.events.emit({ type: 'started', job, etaMs });
  try {
    await runEntries(deps, entries);
  } finally {
    for (const entry of entries) {
      clearTimeout(entry.timer);
      deps.running.delete(entry.job.id);
    }
    deps.settle(entries.map(({ job }) => job));
  }
  deps.tellPlaces();
}

/** Marks the job running, charges its owner and arms its timeout. */
function begin(deps: RunDeps, job: Job): RunningEntry {
  const entry: RunningEntry = { job, controller: new AbortController() };
  markRunning(deps.store, deps.counters, job, deps.now());
  deps.running.set(job.id, entry);
  entry.timer = setTimeout(() => {
    entry.reason = 'timeout';
    entry.controller.abort();
  }, deps.options.limits.jobTimeoutMs);
  return entry;
}

function generateOptions(deps: RunDeps, entry: RunningEntry): GenerateOptions {
  const { job } = entry;
  return {
    signal: entry.controller.signal,
    previewIntervalMs: deps.options.previewIntervalMs,
    onProgress: (p) => {
      if (p.total > 0) entry.ran = Math.min(1, p.step / p.total);
      deps.events.emit({
        type: 'progress',
        job,
        step: p.step,
        total: p.total,
        preview: p.preview,
        ...(p.phase && { phase: p.phase }),
      });
    },
  };
}

async function runEntries(deps: RunDeps, entries: RunningEntry[]): Promise<void> {
  deps.tellPlaces();
  const started = performance.now();
  const ready: Array<{ entry: RunningEntry; request: EngineRequest }> = [];
  for (const entry of entries) {
    const { job } = entry;
    try {
      const read = (name: string) => deps.store.readFile(job.id, name);
      ready.push({ entry, request: await materializeRequest(job, read, deps.options.maxInputPixels) });
    } catch (error) {
      fail(deps, entry, error);
    }
  }
  const outcomes = await generateAll(
    deps.options.engine,
    ready.map(({ entry, request }) => ({ request, options: generateOptions(deps, entry) })),
  );
  for (const { entry } of ready) entry.storing = true;
  const elapsedMs = performance.now() - started;
  const batchCost = runCost(
    ready.map(({ entry }) => entry),
    outcomes,
  );
  // One run is one measurement: fed once, by its first job that ends done. Fed per job, a batch's first run of a
  // type would count its cold pace (provisional for a run alone) as a real sample from the second job on, and
  // admission would refuse jobs as too long on it; every later batch would also weigh N times in the average.
  let calibrated = false;
  for (const [i, { entry }] of ready.entries()) {
    // The shutdown gave up on it while its step outlived the abort: its owner was told the job stopped (or will
    // start again), which stands; the next start recovers its row.
    if (deps.givenUp.has(entry.job.id)) continue;
    const outcome = outcomes[i];
    try {
      if (outcome instanceof Failure) throw outcome.error;
      const pace = calibrated ? undefined : elapsedMs / Math.max(batchCost, 1);
      await finish(deps, entry.job, outcome as EngineResult, elapsedMs, batchCost, pace);
      calibrated = true;
    } catch (error) {
      fail(deps, entry, error);
    }
  }
}

async function finish(
  deps: RunDeps,
  job: Job,
  result: EngineResult,
  elapsedMs: number,
  batchCost: number,
  /** The run's milliseconds per cost unit, for the one job of the run that feeds the calibration. */
  pace: number | undefined,
): Promise<void> {
  const { store } = deps;
  await recordResult(job, result, (name, bytes) => {
    try {
      store.writeFile(job.id, name, bytes);
    } catch (error) {
      // A half-written result would later be served as if whole.
      removeResultQuietly(store, job.id);
      throw error;
    }
  });
  // Given up while it stored its result (the shutdown waits only so long): the row stays for the next start, which
  // runs the job again or ends it, so the files just written would never be referenced.
  if (deps.givenUp.has(job.id)) {
    removeResultQuietly(store, job.id);
    return;
  }
  job.status = 'done';
  job.finishedAt = deps.now();
  job.measuredMs = Math.round(elapsedMs);
  // Jobs batched together each waited the whole batch, but shared the model: /info counts each its share.
  job.deviceMs = Math.round((elapsedMs * job.estimatedCost) / Math.max(batchCost, job.estimatedCost, 1));
  // The measured time feeds the ETA calibration. Fairness counters keep the shape-based estimate charged at start,
  // so the dry-run order is the order jobs really start in.
  store.transaction(() => {
    if (pace !== undefined) deps.eta.learn(job, pace);
    store.update(job);
  });
  deps.events.emit({ type: 'done', job });
}

/** A job that ended without its result: put back (shutdown), cancelled, or failed, keeping the share that ran. */
function fail(deps: RunDeps, { job, reason, ran = 0 }: RunningEntry, error: unknown): void {
  const { store, counters, options } = deps;
  if (deps.givenUp.has(job.id)) return;
  if (reason === 'shutdown') {
    putBack(store, counters, job, options.log);
    deps.pause(job, true);
    return;
  }
  job.finishedAt = deps.now();
  if (reason === 'cancel') {
    job.status = 'cancelled';
  } else {
    job.status = 'failed';
    // SQLite may word a full disk as an I/O error (SQLITE_IOERR_WRITE): read as full when the disk has no room.
    const full = reason !== 'timeout' && isFullAt(error, store.dataDir);
    job.error = full ? DISK_FULL : jobErrorFor(error, reason, options.limits.jobTimeoutMs);
    options.log?.('warn', 'job failed', {
      jobId: job.id,
      error: error instanceof Error ? error.message : String(error),
    });
  }
  const stored = recordEndedEarly(store, counters, job, ran, options.log);
  // Refused (a full disk): a failure is told now, a cancel once stored, as the next start may tell it too or run the
  // job again (refused-ends.ts). Its owner was answered that it is stopping meanwhile. A failure on its last attempt
  // is noted as told only once its ending reached its owner (`RefusedEnds.told`, from the adapters).
  const tell = stored || job.status === 'failed';
  if (!stored) deps.refused.add(job, tell);
  if (tell) deps.events.emit(endEvent(job));
}
