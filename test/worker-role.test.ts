// `dimoo worker` stops as `npm start` does: SIGINT, SIGTERM and SIGHUP all stop it cleanly (SIGHUP unheard would end
// the process on the spot, the run in hand losing its retry), /readyz says 503 `not ready: stopping` from the first
// signal through the grace given to the run in hand, and a signal while the model loads takes no run at all.
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stopOnSignals } from '../src/app.js';
import { loadConfig } from '../src/config/index.js';
import { createLogger } from '../src/log.js';
import { PortUnavailableError } from '../src/ops/port-reservations.js';
import { runWorker } from '../src/worker-role.js';
import { TimedEngineDouble } from './doubles/timed-engine.js';
import {
  REDIS_URL,
  skipWithoutRedis,
  startCluster,
  submitImagine,
  uniquePrefix,
  until,
} from './jobs/distributed/redis-harness.js';
import { freePort } from './ports.js';

const skip = await skipWithoutRedis();

function capturedLog() {
  const lines: Array<{ msg: string }> = [];
  const log = createLogger({
    level: 'info',
    pretty: false,
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }) },
  });
  return { log, said: (msg: string) => lines.some((l) => l.msg === msg) };
}

async function readyz(port: number): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { status: response.status, body: await response.text() };
}

/** The engine double with the release the worker calls at its end. */
const workerEngine = (msPerStep: number, steps: number) =>
  Object.assign(new TimedEngineDouble(msPerStep, steps), { close: async () => undefined });

describe('dimoo worker: signals', () => {
  it('SIGINT, SIGTERM and SIGHUP each stop it; the handlers go once it is done', () => {
    const { log } = capturedLog();
    for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      const before = process.listenerCount(name);
      const stop = stopOnSignals(log);
      expect(process.listenerCount(name)).toBe(before + 1);
      // Emitted, not sent: unheard, Node's default would end the test runner itself.
      process.emit(name, name);
      expect(stop.signal.aborted).toBe(true);
      stop.dispose();
      expect(process.listenerCount(name)).toBe(before);
    }
  });

  it('a signal while Redis is away (QUEUE_URL down at start) stops it without waiting for Redis', async () => {
    const lines: Array<{ msg: string }> = [];
    const log = createLogger({
      level: 'info',
      pretty: false,
      destination: { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }) },
    });
    const stop = new AbortController();
    // Nothing listens on port 1: the worker waits for Redis, saying so once.
    const config = loadConfig({
      QUEUE_URL: 'redis://127.0.0.1:1',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'dimoo-worker-no-redis-')),
      DEVICE: 'cpu',
    });
    const running = runWorker(config, log, stop.signal, async () => ({ engine: workerEngine(5, 3) }));
    await until(() => lines.some((l) => l.msg === 'shared queue connection'), 20_000, 'the outage line');
    stop.abort();
    await running;
    expect(lines.map((l) => l.msg)).not.toContain('GPU worker ready');
    expect(lines.filter((l) => l.msg === 'shared queue connection')).toHaveLength(1);
  }, 30_000);
});

describe.skipIf(skip)('dimoo worker: /readyz while it stops', () => {
  const configFor = (prefix: string, port: number) =>
    loadConfig({
      QUEUE_URL: REDIS_URL,
      QUEUE_PREFIX: prefix,
      METRICS_PORT: String(port),
      DATA_DIR: mkdtempSync(join(tmpdir(), 'dimoo-worker-role-')),
      DEVICE: 'cpu',
      SHUTDOWN_GRACE_S: '20',
    });

  it('answers 503 `stopping` from the signal through the grace given to the run in hand', async () => {
    const cluster = await startCluster({ frontEnds: 1, workers: 0 });
    const port = await freePort();
    const { log, said } = capturedLog();
    const stop = new AbortController();
    const engine = workerEngine(150, 12);
    try {
      const running = runWorker(configFor(cluster.prefix, port), log, stop.signal, async () => ({ engine }));
      await until(() => said('GPU worker ready'), 20_000, 'the worker');
      await expect.poll(() => readyz(port), { timeout: 5000 }).toEqual({ status: 200, body: 'ready\n' });
      const fe = cluster.frontEnds[0];
      if (!fe) throw new Error('no front-end');
      const job = submitImagine(fe, { platform: 'web', userId: 'u1' }, 'a fox');
      await until(
        () => fe.events.some((e) => e.type === 'started' && e.job.id === job.id),
        20_000,
        'started',
      );
      stop.abort();
      // The run in hand takes about 1.8 s: the probe is asked well within it.
      expect(await readyz(port)).toEqual({ status: 503, body: 'not ready: stopping\n' });
      await running;
      expect(fe.events.some((e) => e.type === 'done' && e.job.id === job.id)).toBe(true);
    } finally {
      await cluster.close();
    }
  }, 60_000);

  it('a signal while the model loads stops it without taking a run', async () => {
    const prefix = uniquePrefix();
    const port = await freePort();
    const { log, said } = capturedLog();
    const stop = new AbortController();
    const engine = workerEngine(5, 3);
    await runWorker(configFor(prefix, port), log, stop.signal, async () => {
      stop.abort();
      return { engine };
    });
    expect(said('GPU worker ready')).toBe(false);
    expect(engine.started).toEqual([]);
  }, 30_000);

  it('a METRICS_PORT another program holds stops it before the model, in one line naming the variable', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const address = holder.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    let opened = false;
    try {
      const running = runWorker(
        configFor(uniquePrefix(), address.port),
        capturedLog().log,
        new AbortController().signal,
        async () => {
          opened = true;
          return { engine: workerEngine(5, 3) };
        },
      );
      await expect(running).rejects.toThrow(PortUnavailableError);
      await expect(running).rejects.toThrow(
        /^the operators’ endpoints \(\/metrics, \/healthz, \/readyz\) cannot listen: .+\. Change METRICS_PORT or METRICS_HOST\.$/,
      );
      // It ran on without its probes, so an orchestrator restarted it as unhealthy after every model load.
      expect(opened).toBe(false);
    } finally {
      holder.close();
    }
  }, 30_000);

  it('labels its metrics with WORKER_NAME, else the host name: one time series across restarts', async () => {
    const busyLabels = async (env: Record<string, string>) => {
      const port = await freePort();
      const named = loadConfig({
        QUEUE_URL: REDIS_URL,
        QUEUE_PREFIX: uniquePrefix(),
        METRICS_PORT: String(port),
        DATA_DIR: mkdtempSync(join(tmpdir(), 'dimoo-worker-role-')),
        DEVICE: 'cpu',
        ...env,
      });
      const stop = new AbortController();
      let text = '';
      // Read while the model "loads": the endpoints are up, and the run ends there without taking a job.
      await runWorker(named, capturedLog().log, stop.signal, async () => {
        text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        stop.abort();
        return { engine: workerEngine(5, 3) };
      });
      return [...text.matchAll(/^dimoo_worker_busy_ratio\{worker="([^"]*)"\}/gm)].map((m) => m[1]);
    };
    expect(await busyLabels({ WORKER_NAME: 'gpu-a' })).toEqual(['gpu-a']);
    // Not the process: a label with its id was a new series at every restart.
    expect(await busyLabels({})).toEqual([hostname()]);
  }, 30_000);
});
