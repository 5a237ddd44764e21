// `dimoo worker`: one GPU worker of the shared queue (QUEUE_URL). Loads the model, takes the jobs the dispatcher
// hands out one at a time, and serves /metrics, /healthz and /readyz (ready once the model is loaded and Redis
// answers) on METRICS_PORT. SIGINT/SIGTERM finish the job in hand (up to 30 s) before leaving.
import { hostname } from 'node:os';
import type { Config } from './config/index.js';
import { SharedState } from './jobs/distributed/shared-state.js';
import { DistributedWorker } from './jobs/distributed/worker.js';
import type { Logger } from './log.js';
import { BotMetrics } from './ops/metrics.js';
import { openEngine, startOps } from './services.js';

export async function runWorker(config: Config, log: Logger, signal: AbortSignal): Promise<void> {
  const shared = config.distributed;
  if (!shared) throw new Error('QUEUE_URL is not set: a worker needs the shared queue (redis://host:6379)');
  const state = new SharedState(shared.url, shared.prefix, (error) =>
    log.warn({ error: error.message }, 'shared queue connection'),
  );
  const metrics = new BotMetrics({ worker: `${hostname()}:${process.pid}` });
  let engineReady = false;
  const ops = await startOps(
    config,
    log,
    metrics,
    async () => engineReady && (await state.redis.ping()) === 'PONG',
  );
  const { engine } = await openEngine(config, log);
  engineReady = true;
  const worker = new DistributedWorker({
    state,
    url: shared.url,
    engine,
    jobTimeoutMs: config.queue.jobTimeoutMs,
    previewIntervalMs: 1500,
    maxInputPixels: config.limits.maxInputPixels,
    log: (level, message, fields) => log[level](fields ?? {}, message),
    metrics: {
      busy: (busy) => metrics.setBusy(busy),
      step: (ms) => metrics.stepTime(ms / 1000),
    },
  });
  await worker.start();
  log.info({ worker: worker.id, device: engine.info.device }, 'GPU worker ready');
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
  log.info('worker stopping: finishing the job in hand');
  await worker.close(30_000);
  await ops?.close();
  await engine.close();
  await state.close();
}
