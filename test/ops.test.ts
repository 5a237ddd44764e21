// The operators' endpoints: Prometheus text with the job metrics fed by real job events, health and readiness.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { SharedState } from '../src/jobs/distributed/shared-state.js';
import { JobQueue } from '../src/jobs/queue.js';
import { JobStore } from '../src/jobs/store.js';
import type { Job } from '../src/jobs/types.js';
import { createLogger } from '../src/log.js';
import { AdapterHealth } from '../src/ops/adapter-health.js';
import { BotMetrics, depthOf } from '../src/ops/metrics.js';
import { type OpsServer, startOpsServer } from '../src/ops/server.js';
import { openServices } from '../src/services.js';
import { TimedEngineDouble } from './doubles/timed-engine.js';
import { REDIS_URL, skipWithoutRedis } from './jobs/distributed/redis-harness.js';
import { queueLimits } from './jobs/queue-limits.js';
import { freePort } from './ports.js';

const noRedis = await skipWithoutRedis();

const closing: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closing.splice(0)) await close();
});

async function serve(metrics: BotMetrics, ready: () => Promise<boolean> | boolean): Promise<OpsServer> {
  const server = await startOpsServer({ host: '127.0.0.1', port: 0, metrics, ready });
  closing.push(() => server.close());
  return server;
}

describe('operators’ endpoints', () => {
  it('counts jobs by outcome, wait and run time per type, depth by priority, busy ratio and step time', async () => {
    const store = new JobStore(mkdtempSync(join(tmpdir(), 'dimoo-ops-')));
    const queue = new JobQueue({
      store,
      engine: new TimedEngineDouble(5, 3),
      limits: queueLimits({ maxPerUser: 5 }),
      admins: ['discord:boss'],
    });
    closing.push(async () => {
      await queue.stop();
      store.close();
    });
    const metrics = new BotMetrics({ depth: { depth: () => depthOf(queue.plannedOrder()) } });
    queue.subscribe((e) => metrics.observe(e));
    const finished: string[] = [];
    queue.subscribe((e) => {
      if (e.type === 'done' || e.type === 'failed') finished.push(e.job.id);
    });
    const server = await serve(metrics, () => true);
    for (const [user, prompt] of [
      ['a', 'one'],
      ['b', 'boom'],
      ['boss', 'three'],
    ] as const)
      queue.submit({
        owner: { platform: 'discord', userId: user },
        scope: 'guild:1',
        kind: 'imagine',
        request: { task: 'text_to_image', prompt, width: 256, height: 256 },
      });
    const waiting = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
    expect(waiting).toContain('dimoo_queue_depth{priority="normal"} 2');
    expect(waiting).toContain('dimoo_queue_depth{priority="high"} 1');
    queue.start();
    while (finished.length < 3) await new Promise((resolve) => setTimeout(resolve, 20));
    const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain('dimoo_jobs_total{kind="imagine",outcome="done"} 2');
    expect(text).toContain('dimoo_jobs_total{kind="imagine",outcome="failed"} 1');
    expect(text).toContain('dimoo_job_wait_seconds_count{kind="imagine"} 3');
    expect(text).toContain('dimoo_job_run_seconds_count{kind="imagine"} 3');
    expect(text).toMatch(/dimoo_engine_step_seconds_count [1-9]/);
    expect(text).toMatch(/dimoo_worker_busy_ratio\{worker="local"\} 0\.\d+/);
    expect(text).toContain('dimoo_queue_depth{priority="normal"} 0');
  });

  it('a wall clock stepped back counts no negative wait or run time, and keeps the busy ratio within 0 to 1', async () => {
    const hour = 3_600_000;
    const wall = Date.now();
    const metrics = new BotMetrics();
    // Submitted; the clock then stepped back an hour before the job started, and once more before it ended (an NTP
    // correction, a resumed VM). The run itself took 2 s by the monotonic clock (measuredMs).
    const clock = vi.spyOn(Date, 'now').mockReturnValue(wall);
    const job: Job = {
      id: 'j1',
      seq: 1,
      owner: { platform: 'web', userId: 'u1' },
      scope: 'playground',
      kind: 'imagine',
      request: { task: 'text_to_image', prompt: 'a fox', width: 256, height: 256 },
      meta: {},
      priority: 'normal',
      status: 'running',
      attempts: 1,
      estimatedCost: 1,
      createdAt: wall,
      startedAt: wall - hour,
    };
    try {
      metrics.observe({ type: 'started', job, etaMs: 0 });
      clock.mockReturnValue(wall - 2 * hour);
      metrics.observe({
        type: 'done',
        job: { ...job, status: 'done', finishedAt: wall - 2 * hour, measuredMs: 2000 },
      });
      const text = await metrics.text();
      expect(text).toContain('dimoo_job_wait_seconds_sum{kind="imagine"} 0');
      expect(text).toContain('dimoo_job_run_seconds_sum{kind="imagine"} 2');
      const ratio = Number(/dimoo_worker_busy_ratio\{worker="local"\} (\S+)/.exec(text)?.[1]);
      expect(ratio).toBeGreaterThanOrEqual(0);
      expect(ratio).toBeLessThanOrEqual(1);
    } finally {
      clock.mockRestore();
    }
  });

  it('times steps only: the finishing report after the last step is not a step', async () => {
    const metrics = new BotMetrics();
    const job = { id: 'j2', kind: 'imagine', createdAt: Date.now(), startedAt: Date.now() } as Job;
    metrics.observe({ type: 'started', job, etaMs: 0 });
    metrics.observe({ type: 'progress', job, step: 1, total: 2 });
    metrics.observe({ type: 'progress', job, step: 2, total: 2 });
    metrics.observe({ type: 'progress', job, step: 2, total: 2, phase: 'finishing' });
    expect(await metrics.text()).toMatch(/^dimoo_engine_step_seconds_count 2$/m);
  });

  it("reports the process's own memory, CPU and event loop lag, in Prometheus' units", async () => {
    const text = await new BotMetrics().text();
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^process_cpu_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    expect(text).toMatch(/^process_start_time_seconds \d+/m);
  });

  it('a front-end of a shared queue reports no busy ratio (it runs no job); a set memory budget is reported', async () => {
    const frontEnd = new BotMetrics({ worker: null });
    frontEnd.deviceMemoryBytes('budget', 24e9);
    const text = await frontEnd.text();
    expect(text).not.toContain('dimoo_worker_busy_ratio');
    expect(text).toContain('dimoo_device_memory_bytes{kind="budget"} 24000000000');
    expect(await new BotMetrics().text()).toMatch(/dimoo_worker_busy_ratio\{worker="local"\} /);
  });

  it('answers /healthz always, /readyz by the readiness check, and nothing else', async () => {
    let ready = false;
    const server = await serve(new BotMetrics(), () => ready);
    const base = `http://127.0.0.1:${server.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    ready = true;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('/readyz is 503 naming each adapter that cannot hear its platform, and 200 again once it can', async () => {
    const health = new AdapterHealth();
    const server = await startOpsServer({
      host: '127.0.0.1',
      port: 0,
      metrics: new BotMetrics(),
      ready: () => true,
      problems: () => health.problems(),
    });
    const readyz = `http://127.0.0.1:${server.port}/readyz`;
    let polling: string | undefined = 'polling ended: another instance (409)';
    const unwatch = health.watch('telegram', () => polling);
    health.watch('discord', () => {
      throw new Error('boom');
    });
    const down = await fetch(readyz);
    expect(down.status).toBe(503);
    expect(await down.text()).toBe(
      'not ready: telegram: polling ended: another instance (409); discord: health check failed (boom)\n',
    );
    health.watch('discord', () => undefined);
    polling = undefined;
    expect((await fetch(readyz)).status).toBe(200);
    polling = 'gone';
    unwatch();
    expect((await fetch(readyz)).status).toBe(200);
    await server.close();
  });

  it('dimoo_adapter_up is 1 per adapter that hears its platform, 0 for one that does not, gone once stopped', async () => {
    const health = new AdapterHealth();
    const metrics = new BotMetrics({ adapters: health });
    let discord: string | undefined = 'gateway down for 75 s';
    health.watch('telegram', () => undefined);
    const unwatch = health.watch('discord', () => discord);
    let text = await metrics.text();
    expect(text).toContain('dimoo_adapter_up{adapter="telegram"} 1');
    expect(text).toContain('dimoo_adapter_up{adapter="discord"} 0');
    discord = undefined;
    expect(await metrics.text()).toContain('dimoo_adapter_up{adapter="discord"} 1');
    unwatch();
    text = await metrics.text();
    expect(text).not.toContain('adapter="discord"');
    expect(text).toContain('dimoo_adapter_up{adapter="telegram"} 1');
    // A worker runs no adapter: no such metric at all.
    expect(await new BotMetrics().text()).not.toContain('dimoo_adapter_up');
  });
});

/** Status of a GET and how long it took; a request that hangs fails after `limitMs` instead of the test timing out. */
async function timedStatus(url: string, limitMs = 4000): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const response = await fetch(url, { signal: AbortSignal.timeout(limitMs) });
  await response.text();
  return { status: response.status, ms: performance.now() - started };
}

/** `promise`, or a failure after `ms` (so that a hang fails this test instead of timing it out). */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

describe('readiness never hangs', () => {
  it('a readiness check that does not answer is a 503 within 2 s, not a pending request', async () => {
    const server = await serve(new BotMetrics(), () => new Promise<boolean>(() => undefined));
    const { status, ms } = await timedStatus(`http://127.0.0.1:${server.port}/readyz`);
    expect(status).toBe(503);
    expect(ms).toBeLessThan(2000);
  });

  it('an unreachable Redis is not ready at once, without a PING waiting in the offline queue', async () => {
    const state = new SharedState(`redis://127.0.0.1:${await freePort()}`, 'dimoo-ops-test');
    closing.push(async () => state.redis.disconnect());
    const server = await serve(new BotMetrics(), () => state.reachable());
    const base = `http://127.0.0.1:${server.port}`;
    for (let probe = 0; probe < 3; probe++) {
      const { status, ms } = await timedStatus(`${base}/readyz`);
      expect(status).toBe(503);
      expect(ms).toBeLessThan(2000);
    }
    expect((await timedStatus(`${base}/healthz`)).status).toBe(200);
    const started = performance.now();
    expect(await within(state.reachable(), 4000)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it.skipIf(noRedis)('a Redis that goes away after start is not ready within a second', async () => {
    // A proxy in front of the shared Redis, so that this test can cut the connection without touching the server.
    const target = new URL(REDIS_URL);
    const sockets = new Set<Socket>();
    const proxy = createServer((client) => {
      const upstream = connect(Number(target.port || 6379), target.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => sockets.delete(socket));
      }
      client.pipe(upstream).pipe(client);
    });
    const port = await new Promise<number>((resolve) =>
      proxy.listen(0, '127.0.0.1', () => resolve((proxy.address() as { port: number }).port)),
    );
    const state = new SharedState(`redis://127.0.0.1:${port}`, 'dimoo-ops-test');
    closing.push(async () => {
      state.redis.disconnect();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    });
    await state.redis.ping();
    expect(await state.reachable()).toBe(true);
    proxy.close();
    for (const socket of sockets) socket.destroy();
    const started = performance.now();
    expect(await within(state.reachable(), 4000)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1500);
    const server = await serve(new BotMetrics(), () => state.reachable());
    const { status, ms } = await timedStatus(`http://127.0.0.1:${server.port}/readyz`);
    expect(status).toBe(503);
    expect(ms).toBeLessThan(2000);
  });

  it('a front-end whose Redis is down at start serves /healthz (200) and /readyz (503 within 2 s)', async () => {
    const [redisPort, metricsPort, webPort] = [await freePort(), await freePort(), await freePort()];
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: join(import.meta.dirname, '..'),
      env: {
        PATH: process.env.PATH,
        DATA_DIR: mkdtempSync(join(tmpdir(), 'dimoo-ops-front-')),
        QUEUE_URL: `redis://127.0.0.1:${redisPort}`,
        METRICS_PORT: String(metricsPort),
        WEB_PORT: String(webPort),
        LOG_LEVEL: 'error',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    // What it said if it stopped or never answered (a port another test took meanwhile, a slow start on a busy CI).
    let said = '';
    child.stderr?.on('data', (c: Buffer) => {
      said = (said + c.toString()).slice(-2000);
    });
    closing.push(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    const base = `http://127.0.0.1:${metricsPort}`;
    // Starting takes a few seconds; a CI machine running other start-ups beside it has taken over 20.
    const deadline = Date.now() + 60_000;
    let health = 0;
    while (health !== 200) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`/healthz never answered (exit ${child.exitCode}): ${said}`);
      health = await timedStatus(`${base}/healthz`, 1000).then(
        (r) => r.status,
        () => 0,
      );
      if (health !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const { status, ms } = await timedStatus(`${base}/readyz`);
    expect(status).toBe(503);
    expect(ms).toBeLessThan(2000);
  }, 90_000);
});

describe('readiness follows the life of the bot', () => {
  it('/readyz is 503 until the worker runs, 200 while it does, and 503 again from the moment it stops', async () => {
    const port = await freePort();
    const config = loadConfig({
      DATA_DIR: mkdtempSync(join(tmpdir(), 'dimoo-ops-life-')),
      DEVICE: 'cpu',
      METRICS_PORT: String(port),
    });
    const services = await openServices(config, createLogger({ level: 'silent' }));
    closing.push(() => services.close());
    const readyz = async () => {
      const response = await fetch(`http://127.0.0.1:${port}/readyz`);
      return [response.status, await response.text()];
    };
    // The model is loaded, but the adapters are still connecting (a platform that cannot be reached holds that up).
    expect(await readyz()).toEqual([503, 'not ready: starting\n']);
    services.start();
    expect(await readyz()).toEqual([200, 'ready\n']);
    const draining = services.drain?.();
    // While the running job gets its grace, nothing new should be sent here.
    expect(await readyz()).toEqual([503, 'not ready: stopping\n']);
    await draining;
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  }, 30_000);
});
