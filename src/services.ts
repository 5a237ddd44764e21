// The model and the job system shared by every adapter. Without QUEUE_URL: one engine (the single GPU-resident
// model) and the embedded SQLite queue in this process. With QUEUE_URL: a front-end of the shared Redis queue, which
// never loads the model (`dimoo worker` processes do). With no MODEL_DIR the bundled model is a generated random
// checkpoint under DATA_DIR: it works end to end and produces noise, which is said plainly at start-up.
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, parse } from 'node:path';
import { createEngine, type Engine, estimateCost, makeTestCheckpoint } from '../engine/index.js';
import { StartError } from './app.js';
import type { Config } from './config/index.js';
import { cannotListen, listeners } from './config/ports.js';
import { dataDirError, replaceFile } from './data-dir.js';
import { FrontQueue } from './jobs/distributed/front-queue.js';
import { connectionErrors, credentialsRefused } from './jobs/distributed/redis-credentials.js';
import { GOODBYE_WAIT_MS, SharedState } from './jobs/distributed/shared-state.js';
import {
  checkJobDatabase,
  type JobQueueApi,
  JobStore,
  type JobSystem,
  openJobSystem,
  RetentionSweeper,
} from './jobs/index.js';
import type { Logger } from './log.js';
import { AdapterHealth } from './ops/adapter-health.js';
import { listenProblem } from './ops/listen-problem.js';
import { BotMetrics, depthOf } from './ops/metrics.js';
import { PortUnavailableError } from './ops/port-reservations.js';
import { type OpsServer, type Readiness, startOpsServer } from './ops/server.js';
import { QueueGrace } from './queue-grace.js';
import { within } from './within.js';

export interface Services {
  /** The model, in single-process mode; front-ends of a shared queue have none. */
  engine?: Engine;
  /** Where jobs run, for the playground's status line: `cuda`, `cpu` or `workers` (a shared queue). */
  device: string;
  jobs: JobSystem;
  metrics: BotMetrics;
  /** True when running on the generated random checkpoint (no MODEL_DIR). */
  bundledModel: boolean;
  /** Where each adapter says whether it still hears its platform; /readyz is 503 while one does not. */
  health: AdapterHealth;
  /**
   * Starts the worker. Call it once every adapter has subscribed: jobs recovered after a restart then report to
   * the adapter that owns them instead of into the void.
   */
  start(): void;
  /**
   * Stops taking jobs and lets the running one finish (within SHUTDOWN_GRACE_S) while the adapters still deliver:
   * a result that ends during the grace reaches its user instead of being stored unseen. Front-ends of a shared
   * queue run no job: they stop hearing their jobs' events, and the next start reports the ends they did not hear.
   */
  drain?(): Promise<void>;
  /** The process ends now, without its stop: the running jobs go back into the queue (see JobQueue.putBackRunning). */
  abandon?(): void;
  close(): Promise<void>;
}

export const BUNDLED_PRESET = 'tiny';

/** How long /readyz waits for Redis to answer a PING (the ops server answers 503 after READY_TIMEOUT_MS anyway). */
export const READY_PING_MS = 1000;

/** The bundled model's folder, generated on first start. */
export function bundledModelDir(config: Config): string {
  return join(config.dataDir, 'checkpoints', `generated-${BUNDLED_PRESET}`);
}

export interface ServicesOptions {
  /** How often a running job reports a preview (default 1.5 s); tests shorten it. */
  previewIntervalMs?: number;
}

/** The logger as the engine and the job system take it (a callback, so they need not import src/log). */
function engineLog(log: Logger) {
  return (level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) =>
    log[level](fields ?? {}, message);
}

/**
 * Writes the bundled checkpoint beside its place and moves it there whole: a start cut short (a full disk, Ctrl-C)
 * would otherwise leave a folder that has config.json, so it is not made again, but whose weights are cut off, and
 * every later start fails on it. A full or read-only disk is the operator's to fix: one line naming DATA_DIR.
 */
function generateBundledModel(dataDir: string, modelDir: string): void {
  const partial = `${modelDir}${PARTIAL}${process.pid}`;
  try {
    // What earlier starts cut short left (this process holds DATA_DIR: no other is writing them now); a folder
    // without config.json is one from before they were written aside.
    const { dir, base } = parse(modelDir);
    for (const name of existsSync(dir) ? readdirSync(dir) : [])
      if (name.startsWith(`${base}${PARTIAL}`)) rmSync(join(dir, name), { recursive: true, force: true });
    rmSync(modelDir, { recursive: true, force: true });
    makeTestCheckpoint({ out: partial, preset: BUNDLED_PRESET, dtype: 'fp32' });
    renameSync(partial, modelDir);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    if (typeof (error as { code?: unknown }).code !== 'string') throw error;
    throw dataDirError(dataDir, error, dirname(modelDir));
  }
}

const PARTIAL = '.partial-';

/** Opens the model of MODEL_DIR, or the bundled random checkpoint (generated on first use). */
export async function openEngine(
  config: Config,
  log: Logger,
): Promise<{ engine: Engine; bundledModel: boolean }> {
  let modelDir = config.modelDir;
  const bundledModel = modelDir === undefined;
  if (modelDir === undefined) {
    modelDir = bundledModelDir(config);
    if (!existsSync(join(modelDir, 'config.json'))) {
      log.info({ modelDir }, 'generating the bundled random checkpoint (first start)');
      generateBundledModel(config.dataDir, modelDir);
    }
    log.warn(
      { modelDir },
      'No MODEL_DIR is set: running a generated RANDOM checkpoint that produces noise. Download Alpha-VLLM/Lumina-DiMOO and set MODEL_DIR to its folder for real images.',
    );
  }
  const engine = await createEngine({
    modelDir,
    device: config.device,
    quant: config.quant,
    precision: config.precision,
    deviceMemoryBudget: config.deviceMemoryBytes,
    mlCachePath: config.mlCachePath,
    cacheDir: join(config.dataDir, 'cache'),
    log: engineLog(log),
  });
  return { engine, bundledModel };
}

/**
 * The operators' side of a start, run once by every role (single process, front-end, `dimoo worker`) before its
 * model or queue: names the environment variables the bot ignores (one line: a typo such as TELEGRAM_TOKE would
 * otherwise go unnoticed), then serves /metrics, /healthz and /readyz when METRICS_PORT is set. A port it cannot
 * open throws PortUnavailableError with the one line (config/ports.ts cannotListen), for every role: a bot or worker
 * without its probes is restarted as unhealthy forever by an orchestrator that probes them. `npm start` refused such a
 * port before the model (src/ops/port-reservations.ts) and meets it here only when another program took it in the
 * moment between the reservation letting go and this server listening: the same line then, not a warning and a bot
 * that runs on unprobed.
 */
export async function startOps(
  config: Config,
  log: Logger,
  metrics: BotMetrics,
  ready: () => Promise<Readiness> | Readiness,
  health?: AdapterHealth,
): Promise<OpsServer | undefined> {
  if (config.warnings?.length)
    log.warn({ count: config.warnings.length }, `configuration warnings: ${config.warnings.join('; ')}`);
  if (config.metrics.port === undefined) return undefined;
  try {
    const server = await startOpsServer({
      host: config.metrics.host,
      port: config.metrics.port,
      metrics,
      ready,
      problems: health && (() => health.problems()),
    });
    log.info(
      { host: config.metrics.host, port: server.port },
      'operators’ endpoints: /metrics /healthz /readyz',
    );
    return server;
  } catch (error) {
    const problem = listenProblem(error, config.metrics.host);
    const [listener] = listeners(config, []);
    if (problem === undefined || !listener) throw error;
    throw new PortUnavailableError(cannotListen(listener, problem), { cause: error });
  }
}

/**
 * Where a process is in its life, for /readyz: not ready while it starts (the model loads, the adapters connect:
 * a platform that cannot be reached holds that up for as long as it lasts) nor once it stops (the grace given to
 * the running job), so a load balancer or orchestrator never counts on a bot that is not taking work.
 */
class Phase {
  #now: 'starting' | 'running' | 'stopping' = 'starting';
  started(): void {
    if (this.#now === 'starting') this.#now = 'running';
  }
  stopping(): void {
    this.#now = 'stopping';
  }
  readiness(): Readiness {
    return this.#now === 'running' ? true : this.#now;
  }
}

export async function openServices(
  config: Config,
  log: Logger,
  options: ServicesOptions = {},
): Promise<Services> {
  if (config.distributed) return openFrontEnd(config, log, config.distributed);
  // A damaged or newer job database is refused now, not after the model loaded.
  checkJobDatabase(config.dataDir);
  // The operators' endpoints come up before the model (minutes for the real checkpoint): /healthz answers while it
  // loads and the adapters connect, and /readyz says 503 until the worker runs (start(), once every adapter is up)
  // and again from the moment the bot begins to stop.
  let jobs: JobSystem | undefined;
  const health = new AdapterHealth();
  const metrics = new BotMetrics({
    depth: { depth: () => depthOf(jobs?.queue.plannedOrder() ?? []) },
    adapters: health,
  });
  const phase = new Phase();
  const ops = await startOps(config, log, metrics, () => phase.readiness(), health);
  let opened: { engine: Engine; bundledModel: boolean };
  try {
    opened = await openEngine(config, log);
  } catch (error) {
    await ops?.close();
    throw error;
  }
  const { engine, bundledModel } = opened;
  if (config.deviceMemoryBytes !== undefined) metrics.deviceMemoryBytes('budget', config.deviceMemoryBytes);
  const system = openJobSystem({
    config,
    engine,
    previewIntervalMs: options.previewIntervalMs ?? 1500,
    log: engineLog(log),
  });
  system.queue.subscribe((event) => metrics.observe(event));
  jobs = system;
  return {
    engine,
    device: engine.info.device,
    jobs: system,
    metrics,
    bundledModel,
    health,
    start: () => {
      system.queue.start();
      phase.started();
    },
    // The queue's stop is once-only: close() below waits for this same stop.
    drain: () => {
      phase.stopping();
      return system.queue.stop({ waitMs: config.queue.shutdownGraceMs });
    },
    abandon: () => system.queue.putBackRunning?.(),
    async close() {
      phase.stopping();
      await ops?.close();
      // The worker first (the running job finishes within the grace or goes back into the queue), then the model,
      // and the database last: nothing may write to it after it closes.
      await system.queue.stop({ waitMs: config.queue.shutdownGraceMs });
      await engine.close();
      await system.close();
    },
  };
}

/**
 * A front-end keeps its name across restarts, so the events of its jobs keep coming to it and the jobs that ended
 * while it was down are found. Two front-ends must not share a DATA_DIR.
 */
export function frontEndId(dataDir: string): string {
  const file = join(dataDir, 'frontend-id');
  const kept = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  // Empty (a crash while it was first written, before this was written whole) is none: a front-end named "" would
  // share its name with any other such one.
  if (kept !== '') return kept;
  const id = randomUUID();
  // A crash leaves the old file or the whole new one.
  replaceFile(file, `${id}\n`);
  return id;
}

/** A front-end: adapters and commands over the shared queue; its own jobs' records and results in DATA_DIR. */
async function openFrontEnd(
  config: Config,
  log: Logger,
  shared: { url: string; prefix: string },
): Promise<Services> {
  const health = new AdapterHealth();
  // Set once the endpoints listen, in the same turn: no scrape or probe comes before.
  let opened: { queue: FrontQueue; state: SharedState } | undefined;
  const metrics = new BotMetrics({
    depth: { depth: () => depthOf(opened?.queue.plannedOrder() ?? []) },
    leader: () => opened?.queue.dispatcher.isLeader ?? false,
    worker: null,
    adapters: health,
  });
  // Served before connecting: connect() waits for as long as Redis is down, and meanwhile /healthz must answer
  // and /readyz say 503 (bounded: a PING would wait for Redis too). Served before anything reaches for Redis at
  // all: a port it cannot open ends the start with nothing to close.
  const phase = new Phase();
  const ops = await startOps(
    config,
    log,
    metrics,
    () => {
      const readiness = phase.readiness();
      return readiness === true && opened ? opened.state.reachable(READY_PING_MS) : readiness;
    },
    health,
  );
  let connected = false;
  // Refused before the start is done: the start's one line says it (connect() throws it, below).
  const state = new SharedState(
    shared.url,
    shared.prefix,
    connectionErrors(
      shared.url,
      (error) => log.warn({ error }, 'shared queue connection'),
      () => !connected,
    ),
  );
  const store = new JobStore(config.dataDir);
  const queue = new FrontQueue({
    id: frontEndId(config.dataDir),
    state,
    url: shared.url,
    store,
    engine: { estimateCost },
    limits: config.queue,
    admins: config.adminIds,
    log: engineLog(log),
  });
  opened = { queue, state };
  queue.subscribe((event) => metrics.observe(event));
  try {
    await queue.connect();
    connected = true;
  } catch (error) {
    await ops?.close();
    store.close();
    state.redis.disconnect();
    const refused = credentialsRefused(error, shared.url);
    throw refused === undefined ? error : new StartError(refused, { cause: error });
  }
  log.info({ frontEnd: queue.id }, 'front-end of the shared queue (GPU workers run `dimoo worker`)');
  // A front-end keeps its jobs' inputs and results in its own DATA_DIR too (Redis's copies expire after 7 days).
  const retention = new RetentionSweeper({ store, days: config.resultRetentionDays, log: engineLog(log) });
  retention.start();
  // The drain and the queue's stop share SHUTDOWN_GRACE_S, each charged only its own wait (queue-grace.ts).
  const grace = new QueueGrace(config.queue.shutdownGraceMs);
  const jobs: JobSystem = {
    store,
    queue: queue as JobQueueApi,
    claim: (key, ttlMs) => state.claimOnce(key, ttlMs),
    async close() {
      await retention.stop();
      // With Redis away the queue's goodbyes (a submission's write, the dispatcher's lease, BullMQ's connections)
      // would wait for its return, and a stop never ended: what is unsaid here the next start's catch-up settles.
      const stopping = queue.stop();
      const boundMs = grace.leftMs(GOODBYE_WAIT_MS);
      const since = Date.now();
      if (
        await within(
          stopping.then(() => true),
          boundMs,
          false,
          { unref: true },
        )
      )
        store.close();
      else {
        // Measured: a busy event loop fires the bound's timer late, and the operator sizing the grace reads this.
        log.warn(
          { waitedMs: Date.now() - since, boundMs },
          'the shared queue did not answer while stopping: stopped without it',
        );
        // An event still being delivered writes to the store once Redis answers (or the connection is closed):
        // closed under it, the write would fail; the store is closed when the stop ends.
        void stopping.catch(() => undefined).finally(() => store.close());
      }
    },
  };
  return {
    device: 'workers',
    jobs,
    metrics,
    bundledModel: config.modelDir === undefined,
    health,
    start: () => {
      queue.start();
      phase.started();
    },
    // Bounded as the stop is: an event being delivered when Redis went away would hold the adapters' stop.
    drain: async () => {
      phase.stopping();
      await grace.spend(within(queue.drain(), grace.leftMs(), undefined, { unref: true }));
    },
    async close() {
      phase.stopping();
      await ops?.close();
      await jobs.close();
      await state.close();
    },
  };
}
