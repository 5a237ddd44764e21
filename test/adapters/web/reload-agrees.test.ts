// A reloaded page shows a waiting or paused job as the live page did: its place in the queue with its ETA, and a
// pause for want of a worker (a shared queue's), never the history's generic "Waiting…" or "Working on it…". The
// history asks the queue (commands/history.ts), so a reload after the bot restarted agrees too.
// Real HTTP, commands and queue on the timed engine double (the queue not started: jobs wait); for the pause, the
// queue is wrapped in a test double that says no worker is running. The commands' clock is fixed: a waiting job's
// `etaAt` is that clock plus its time left, the same at the reload as when it was queued while nothing runs.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebHistoryEntry, WebMessage } from '../../../adapters/web/render.js';
import type { Playground } from '../../../adapters/web/server.js';
import { Commands } from '../../../commands/index.js';
import { type Config, loadConfig } from '../../../src/config/index.js';
import { t } from '../../../src/i18n.js';
import { type Job, type JobQueueApi, type JobSystem, openJobSystem } from '../../../src/jobs/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { send } from './http-client.js';
import { startPlaygroundOver } from './playground-server.js';

const NOW = 1_700_000_000_000;

/** The real queue, its workers said running or not by the test, as a shared queue's front-end says them. */
function workersQueueDouble(real: JobQueueApi, workers: { running: boolean }): JobQueueApi {
  return new Proxy(real, {
    get(target, key) {
      if (key === 'workersRunning') return workers.running;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('playground: a reloaded page agrees with the live one', () => {
  let jobs: JobSystem;
  let server: Playground;
  let port: number;
  let config: Config;
  const workers = { running: true };
  const owner = '5d0c1f2e-8a47-4b4e-9f51-3c1f6a2d7e11';
  // A second user: the first one's waiting jobs are at the per-user cap.
  const other = '5d0c1f2e-8a47-4b4e-9f51-3c1f6a2d7e12';

  /** A bot process's job system, commands and playground over the config's DATA_DIR. */
  const startBot = async () => {
    jobs = openJobSystem({ config, engine: new TimedEngineDouble() });
    const commands = new Commands({
      queue: workersQueueDouble(jobs.queue, workers),
      store: jobs.store,
      config,
      now: () => NOW,
    });
    ({ server, port } = await startPlaygroundOver(commands, {
      maxInputPixels: config.limits.maxInputPixels,
    }));
  };
  const stopBot = async () => {
    await server?.close();
    await jobs?.close({ waitMs: 100 });
  };

  beforeAll(async () => {
    config = loadConfig({
      DATA_DIR: mkdtempSync(join(tmpdir(), 'dimoo-web-reload-')),
      LOG_LEVEL: 'silent',
      RATE_LIMIT_PER_MINUTE: '0',
    });
    await startBot();
    // A measured pace, kept in DATA_DIR: a waiting job's line gives its time, after a restart too.
    jobs.store.setCalibration(new TimedEngineDouble().info.device, 0.002, 1);
  });
  afterAll(stopBot);

  const submit = async (line: string, user = owner): Promise<WebMessage> => {
    const boundary = '----dimootest';
    const body = Buffer.from(
      `--${boundary}\r\ncontent-disposition: form-data; name="text"\r\n\r\n${line}\r\n--${boundary}--\r\n`,
    );
    const answer = await send(port, '/api/messages', {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, cookie: `dimoo_uid=${user}` },
      body,
    });
    return JSON.parse(answer.body) as WebMessage;
  };
  const reloaded = async (jobId: string | undefined, user = owner): Promise<WebMessage | undefined> => {
    const answer = await send(port, '/api/history', { headers: { cookie: `dimoo_uid=${user}` } });
    const { entries } = JSON.parse(answer.body) as { entries: WebHistoryEntry[] };
    return entries.find((e) => e.jobId === jobId)?.reply;
  };
  let waiting: WebMessage | undefined;

  it('shows a waiting job with the place and ETA its live message showed', async () => {
    await submit('/imagine a fox');
    await submit('/imagine an owl');
    waiting = await submit('/imagine a hare');
    expect(waiting.jobId).toBeDefined();
    const reply = await reloaded(waiting.jobId);
    expect(reply?.lines).toEqual(waiting.lines);
    expect(waiting.lines[0]).toMatch(/^Queued: 2 jobs ahead of yours, ready in about /);
    expect(waiting.etaAt).toBeDefined();
    expect(reply?.etaAt).toBe(waiting.etaAt);
    expect(reply?.buttons).toEqual(waiting.buttons);
  });

  it('shows it the same after the bot restarted over the same DATA_DIR', async () => {
    if (!waiting) throw new Error('the waiting job was not queued');
    await stopBot();
    await startBot();
    const reply = await reloaded(waiting.jobId);
    expect(reply?.lines).toEqual(waiting.lines);
    expect(reply?.etaAt).toBe(waiting.etaAt);
    expect(reply?.buttons).toEqual(waiting.buttons);
  });

  it('shows a job paused for want of a worker as paused, as its live message does', async () => {
    const sent = await submit('/imagine a wren', other);
    const job = sent.jobId ? jobs.store.get(sent.jobId) : undefined;
    if (!job) throw new Error('the job was not queued');
    // A shared queue's job, running when its worker stopped, the last one: its owner was told it is paused.
    const running: Job = { ...job, status: 'running', startedAt: NOW, attempts: 1 };
    jobs.store.update(running);
    workers.running = false;
    const reply = await reloaded(sent.jobId, other);
    expect(reply?.lines).toEqual([t('en', 'job.paused_no_worker')]);
    expect(reply?.buttons).toEqual(sent.buttons);
  });
});
