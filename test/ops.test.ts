// The operators' endpoints: Prometheus text with the job metrics fed by real job events, health and readiness.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JobQueue } from '../src/jobs/queue.js';
import { JobStore } from '../src/jobs/store.js';
import { BotMetrics, depthOf } from '../src/ops/metrics.js';
import { type OpsServer, startOpsServer } from '../src/ops/server.js';
import { TimedEngineDouble } from './doubles/timed-engine.js';

const closing: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closing.splice(0)) await close();
});

async function serve(metrics: BotMetrics, ready: () => boolean): Promise<OpsServer> {
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
      limits: { maxPerUser: 5, maxRunningPerUser: 1, maxPerScope: 50, maxTotal: 50, jobTimeoutMs: 60_000 },
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
});
