// `dimoo worker`: one GPU worker of the shared queue (QUEUE_URL). Loads the model, takes the runs the dispatcher
// hands out one at a time (a run: one job, or up to QUEUE_MAX_BATCH of one shape sharing the engine's passes, the
// device's default when unset), and serves /metrics, /healthz and /readyz (ready once the model is loaded and Redis
// answers) on METRICS_PORT. SIGINT, SIGTERM or SIGHUP finish the run in hand within SHUTDOWN_GRACE_S, else put each
// of its jobs back into the queue for another worker (as a first try), before leaving; /readyz says 503 `stopping`
// from the first signal, and a second one exits at once.
import { hostname } from 'node:os';
import type { Engine } from '../engine/index.js';
import { StartError } from './app.js';
import type { Config } from './config/index.js';
import { connectionErrors, credentialsRefused } from './jobs/distributed/redis-credentials.js';
import { SharedState } from './jobs/distributed/shared-state.js';
import { DistributedWorker } from './jobs/distributed/worker.js';
import { defaultMaxBatch } from './jobs/index.js';
import type { Logger } from './log.js';
import { BotMetrics } from './ops/metrics.js';
import { openEngine, READY_PING_MS, startOps } from './services.js';

/** The model as the worker uses it: what runs the jobs, and its release. */
export type WorkerEngine = Pick<Engine, 'generate' | 'generateBatch' | 'info' | 'close'>;

export async function runWorker(
  config: Config,
  log: Logger,
  signal: AbortSignal,
  open: (config: Config, log: Logger) => Promise<{ engine: WorkerEngine }> = openEngine,
): Promise<void> {
  const shared = config.distributed;
  if (!shared) throw new Error('QUEUE_URL is not set: a worker needs the shared queue (redis://host:6379)');
  // Refused credentials at the start will not fix themselves: the start ends in their one line (thrown below, as the
  // front-end's does) and the process exits non-zero, with no warning of the same words beside it. At the first
  // refusal, not once the model is loaded (minutes): the connection opens while it loads. Refused once running
  // (Redis's password changed under a started worker), they are warned and the worker keeps trying, as for any
  // outage: its run in hand is not dropped for what an operator may change back.
  let started = false;
  let refuseStart: (error: StartError) => void = () => undefined;
  const refusedAtStart = new Promise<never>((_, reject) => {
    refuseStart = reject;
  });
  // Read only while the start races it: a refusal after the start is warned instead, and is no unhandled rejection.
  refusedAtStart.catch(() => undefined);
  const state = new SharedState(
    shared.url,
    shared.prefix,
    connectionErrors(
      shared.url,
      (error) => log.warn({ error }, 'shared queue connection'),
      () => !started,
      (line, error) => refuseStart(new StartError(line, { cause: error })),
    ),
  );
  // Stable across restarts: a label with the process id made a new time series at every one.
  const metrics = new BotMetrics({ worker: config.metrics.workerName ?? hostname() });
  let engineReady = false;
  // 503 `stopping` from the signal on: during the grace the worker takes no new run, and a probe must not count on it.
  // Bounded: a PING while Redis is away would wait for it (and the probe with it) instead of answering 503.
  // Before the model: a taken METRICS_PORT is the one line (PortUnavailableError) at once, not after minutes.
  const ops = await startOps(config, log, metrics, () => {
    if (signal.aborted) return 'stopping';
    return engineReady ? state.reachable(READY_PING_MS) : 'starting';
  }).catch(async (error: unknown) => {
    await state.close();
    throw error;
  });
  const loading = open(config, log);
  const { engine } = await Promise.race([loading, refusedAtStart]).catch(async (error: unknown) => {
    await ops?.close();
    await state.close();
    // The model still loading is released once loaded: the process is ending on the refusal's line.
    if (error instanceof StartError) void loading.then(({ engine }) => engine.close()).catch(() => undefined);
    throw error;
  });
  if (signal.aborted) {
    // Stopped while the model loaded: no run is taken only to be handed back.
    await ops?.close();
    await engine.close();
    await state.close();
    return;
  }
  if (config.deviceMemoryBytes !== undefined) metrics.deviceMemoryBytes('budget', config.deviceMemoryBytes);
  engineReady = true;
  const worker = new DistributedWorker({
    state,
    url: shared.url,
    engine,
    maxBatch: config.queue.maxBatch || defaultMaxBatch(engine.info.device),
    jobTimeoutMs: config.queue.jobTimeoutMs,
    previewIntervalMs: 1500,
    maxInputPixels: config.limits.maxInputPixels,
    log: (level, message, fields) => log[level](fields ?? {}, message),
    metrics: {
      busy: (busy) => metrics.setBusy(busy),
      step: (ms) => metrics.stepTime(ms / 1000),
    },
  });
  const stopped = new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
  // start() waits for as long as Redis is away (QUEUE_URL down, or no Redis at all): a signal meanwhile stops the
  // worker now, not once Redis is back. Race's handlers also take a later rejection of the start left behind.
  try {
    started = await Promise.race([
      worker.start().then(() => true),
      stopped.then(() => false),
      refusedAtStart,
    ]);
  } catch (error) {
    // Redis refused QUEUE_URL's credentials (or another start failure): nothing is left open behind the refusal.
    await worker.close(0).catch(() => undefined);
    await ops?.close();
    await engine.close();
    await state.close();
    const refused = credentialsRefused(error, shared.url);
    throw refused === undefined ? error : new StartError(refused, { cause: error });
  }
  if (started)
    log.info(
      { worker: worker.id, device: engine.info.device, maxBatch: worker.maxBatch },
      'GPU worker ready',
    );
  await stopped;
  log.info('worker stopping: finishing the job in hand');
  // Past SHUTDOWN_GRACE_S the job is put back for another worker, its one retry unspent.
  await worker.close(config.queue.shutdownGraceMs);
  await ops?.close();
  await engine.close();
  await state.close();
}
