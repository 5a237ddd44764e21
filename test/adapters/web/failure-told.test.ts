// The playground has no status board: a failed ending it wrote to an open page of its owner is what "told" means
// there (the queue's `failureTold`). A last attempt that fails while the disk is full keeps its row `running`; told on
// an open page, the next start ends it without a second apology; with no page open nobody heard it, so the apology
// stays. Real HTTP and SSE, commands and queue on a full-disk store double and the timed engine double.
import { mkdtempSync } from 'node:fs';
import { get, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Commands } from '../../../commands/index.js';
import { loadConfig } from '../../../src/config/index.js';
import type { JobEvent } from '../../../src/jobs/events.js';
import { JobQueue } from '../../../src/jobs/queue.js';
import { JobStore } from '../../../src/jobs/store.js';
import { FullDiskStoreDouble } from '../../doubles/full-disk-store.js';
import { HeldEngineDouble } from '../../doubles/held-engine-double.js';
import { waitUntil } from '../../doubles/shared/wait.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { queueLimits } from '../../jobs/queue-limits.js';
import { submitFox } from '../../jobs/submit-fox.js';
import { send } from './http-client.js';
import { startPlaygroundOver } from './playground-server.js';

const userId = '0b4c7a44-3c39-4d34-9d6c-2f5f1a7c0a77';
const owner = { platform: 'web' as const, userId };
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Opens the page's event stream; resolves once the server has taken it, with what it has received so far. */
function openPage(port: number): Promise<{ text: () => string }> {
  return new Promise((resolve, reject) => {
    let text = '';
    const req = get(
      { host: '127.0.0.1', port, path: '/api/events', headers: { cookie: `dimoo_uid=${userId}` } },
      (res: IncomingMessage) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        resolve({ text: () => text });
      },
    );
    req.on('error', reject);
    cleanups.push(() => {
      req.destroy();
    });
  });
}

/**
 * A first start whose job's last attempt fails ("boom") once the disk is full: its end is refused, its owner told
 * through the playground (with a page open or not). Returns the data dir and the job's id after that start stopped.
 */
async function lastAttemptFailsOnFullDisk(pageOpen: boolean): Promise<{ dir: string; id: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'dimoo-web-failure-told-'));
  const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '0' });
  const store = new FullDiskStoreDouble(dir);
  const queue = new JobQueue({ store, engine: new TimedEngineDouble(), limits: queueLimits() });
  const events: JobEvent[] = [];
  queue.subscribe((e) => {
    events.push(e);
    // The disk fills as the last run begins (its last-run marker made already).
    if (e.type === 'started') store.full = true;
  });
  const commands = new Commands({ queue, store, config });
  const { server, port } = await startPlaygroundOver(commands, {
    maxInputPixels: config.limits.maxInputPixels,
    bundledModel: false,
    failureTold: (jobId) => queue.failureTold(jobId),
  });
  const page = pageOpen ? await openPage(port) : undefined;
  const submitted = queue.submit({
    owner,
    scope: 'playground',
    kind: 'imagine',
    request: { task: 'text_to_image', prompt: 'a boom fox', width: 64, height: 64 },
  });
  if (!submitted.ok) throw new Error(submitted.refusal.key);
  const id = submitted.job.id;
  // Its first run was interrupted: this run is its last.
  store.update({ ...submitted.job, attempts: 1 });
  queue.start();
  await waitUntil(() => events.some((e) => e.type === 'failed' && e.job.id === id), 'the failure', 5000);
  if (page) await waitUntil(() => page.text().includes('data:'), 'the failed final on the page', 5000);
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(store.get(id)?.status).toBe('running');
  await server.close();
  await queue.stop({ waitMs: 1000 });
  store.close();
  return { dir, id };
}

/** The failed events the next start tells of the job (the disk has room again). */
function nextStartTells(dir: string, id: string): JobEvent[] {
  const store = new JobStore(dir);
  const queue = new JobQueue({ store, engine: new TimedEngineDouble(), limits: queueLimits() });
  const events: JobEvent[] = [];
  queue.subscribe((e) => events.push(e));
  queue.start();
  cleanups.push(async () => {
    await queue.stop({ waitMs: 1000 });
    store.close();
  });
  expect(store.get(id)?.status).toBe('failed');
  return events.filter((e) => e.type === 'failed' && e.job.id === id);
}

describe('playground: a failed ending the database refused to store', () => {
  it('written to an open page counts as told: the next start ends the job without a second apology', async () => {
    const { dir, id } = await lastAttemptFailsOnFullDisk(true);
    expect(nextStartTells(dir, id)).toEqual([]);
  });

  it('with no page open reached nobody: the next start apologises', async () => {
    const { dir, id } = await lastAttemptFailsOnFullDisk(false);
    expect(nextStartTells(dir, id).map((e) => e.job.error?.key)).toEqual(['errors.job.interrupted']);
  });
});

/** The messages a page's event stream brought, as the page reads them. */
function messagesOf(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => JSON.parse(line.slice('data: '.length)) as Record<string, unknown>);
}

/** The job's message as a page loading its history shows it. */
async function historyReply(port: number, id: string): Promise<Record<string, unknown> | undefined> {
  const answer = await send(port, '/api/history', { headers: { cookie: `dimoo_uid=${userId}` } });
  const { entries } = JSON.parse(answer.body) as {
    entries: Array<{ jobId: string; reply: Record<string, unknown> }>;
  };
  return entries.find((e) => e.jobId === id)?.reply;
}

describe('playground: a failure told, then corrected at the stop', () => {
  it('reads in the history of the next start as the page was told, while the disk stays full', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dimoo-web-failure-corrected-'));
    const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '0' });
    const first = new FullDiskStoreDouble(dir);
    const engine = new HeldEngineDouble('until-released');
    const queue = new JobQueue({ store: first, engine, limits: queueLimits() });
    const events: JobEvent[] = [];
    queue.subscribe((e) => events.push(e));
    const { server, port } = await startPlaygroundOver(new Commands({ queue, store: first, config }), {
      bundledModel: false,
      failureTold: (jobId) => queue.failureTold(jobId),
    });
    const page = await openPage(port);
    const id = submitFox(queue, owner);
    queue.start();
    await waitUntil(() => events.some((e) => e.type === 'started' && e.job.id === id), 'the run', 5000);
    // Neither the result nor the failure can be stored; the failure is told, then corrected at the stop.
    first.full = true;
    const told = (final: boolean) => () =>
      messagesOf(page.text()).some((m) => m.jobId === id && (final ? m.final === true : m.corrects === true));
    // Released once the engine has the run (its `started` may come first).
    await waitUntil(
      () => {
        engine.release();
        return told(true)();
      },
      'the failure on the page',
      5000,
    );
    // Reloaded before the stop, the page shows that failure too: the row says `running`, the queue knows better.
    const failure = messagesOf(page.text()).find((m) => m.jobId === id && m.final === true);
    expect((await historyReply(port, id))?.lines).toEqual(failure?.lines);
    await queue.stop({ waitMs: 1000 });
    await waitUntil(told(false), 'the correction on the page', 5000);
    const correction = messagesOf(page.text()).find((m) => m.jobId === id && m.corrects === true);
    await server.close();
    first.close();

    // The next start, on a disk still full: the job waits for its recovery, its row still `running`.
    const next = new FullDiskStoreDouble(dir);
    next.full = true;
    const nextQueue = new JobQueue({ store: next, engine: new TimedEngineDouble(), limits: queueLimits() });
    const started = await startPlaygroundOver(new Commands({ queue: nextQueue, store: next, config }));
    cleanups.push(async () => {
      await started.server.close();
      await nextQueue.stop({ waitMs: 1000 });
      next.close();
    });
    nextQueue.start();
    expect(next.get(id)?.status).toBe('running');
    const shown = await historyReply(started.port, id);
    expect(shown?.lines).toEqual(correction?.lines);
    expect(shown?.buttons).toEqual(correction?.buttons);
  });
});
