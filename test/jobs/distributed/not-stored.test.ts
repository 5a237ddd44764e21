// A job this front-end accepted but whose process ended before Redis stored it: at the next start its owner is told
// it never ran, in words that say so (not the "restarted twice" of a job a crash interrupted while it ran).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { catalog } from '../../../src/i18n.js';
import { QUEUE_LOST_LOG } from '../../../src/jobs/distributed/front-delivery.js';
import type { FrontQueueOptions } from '../../../src/jobs/distributed/front-queue.js';
import { removeAllKeys, SharedState } from '../../../src/jobs/distributed/shared-state.js';
import { newJob } from '../../../src/jobs/job-parts.js';
import { JobStore } from '../../../src/jobs/store.js';
import { GatedEngineDouble } from '../../doubles/gated-engine.js';
import {
  type Cluster,
  type FrontEndOnRedis,
  frontEndOnRedis,
  REDIS_URL,
  skipWithoutRedis,
  startCluster,
  submitImagine,
  uniquePrefix,
  until,
} from './redis-harness.js';

const skip = await skipWithoutRedis();
const closing: Array<() => Promise<void>> = [];
let cluster: Cluster | undefined;

afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
  // Its close removes every key under the prefix.
  await cluster?.close();
  cluster = undefined;
});

/** The front-end of `store` started again on `state`, caught up; stopped after the test. */
async function startedAgain(
  state: SharedState,
  store: JobStore,
  log?: FrontQueueOptions['log'],
): Promise<FrontEndOnRedis> {
  const fe = await frontEndOnRedis(state, { store, log });
  closing.push(() => fe.queue.stop());
  fe.queue.start();
  return fe;
}

/** `startedAgain` on a connection of its own to `prefix`, closed after the test with `store`. */
async function restarted(
  prefix: string,
  store: JobStore,
  log?: FrontQueueOptions['log'],
): Promise<FrontEndOnRedis> {
  const state = new SharedState(REDIS_URL, prefix);
  closing.push(async () => {
    store.close();
    await state.close();
  });
  return startedAgain(state, store, log);
}

describe.skipIf(skip)('distributed queue: a job Redis never stored', { timeout: 30_000 }, () => {
  it('fails at the next start with errors.job.lost_before_running', async () => {
    const store = new JobStore(mkdtempSync(join(tmpdir(), 'dimoo-not-stored-')));
    const owner = { platform: 'telegram' as const, userId: '7' };
    const lost = newJob(
      {
        owner,
        scope: 'chat:7',
        kind: 'imagine',
        request: { task: 'text_to_image', prompt: 'a fox', width: 256, height: 256 },
      },
      { id: store.newId(), seq: 1, estimatedCost: 1, defaultPriority: 'normal', createdAt: Date.now() },
    );
    // What a front-end leaves behind when it stops between accepting a job and Redis storing it.
    store.insert(lost);
    cluster = await startCluster({ frontEnds: 0, workers: 0, prefix: uniquePrefix() });
    const { events } = await restarted(cluster.prefix, store);
    await until(() => events.some((e) => e.type === 'failed'), 10_000, 'the failure');
    const failed = events.find((e) => e.type === 'failed');
    expect(failed?.job).toMatchObject({
      id: lost.id,
      status: 'failed',
      error: { key: 'errors.job.lost_before_running' },
    });
    expect(store.get(lost.id)?.status).toBe('failed');
  });

  it('a job left running that Redis lost (restarted without its data) fails with errors.job.queue_lost', async () => {
    const store = new JobStore(mkdtempSync(join(tmpdir(), 'dimoo-queue-lost-')));
    const owner = { platform: 'telegram' as const, userId: '8' };
    const lost = newJob(
      {
        owner,
        scope: 'chat:8',
        kind: 'imagine',
        request: { task: 'text_to_image', prompt: 'an owl', width: 256, height: 256 },
      },
      { id: store.newId(), seq: 1, estimatedCost: 1, defaultPriority: 'normal', createdAt: Date.now() },
    );
    // A worker had started it, so Redis had it; then Redis came back empty.
    lost.status = 'running';
    lost.startedAt = Date.now();
    store.insert(lost);
    cluster = await startCluster({ frontEnds: 0, workers: 0, prefix: uniquePrefix() });
    const logged: string[] = [];
    const { events } = await restarted(cluster.prefix, store, (_level, message) => logged.push(message));
    await until(() => events.some((e) => e.type === 'failed'), 10_000, 'the failure');
    expect(events.find((e) => e.type === 'failed')?.job).toMatchObject({
      id: lost.id,
      status: 'failed',
      error: { key: 'errors.job.queue_lost' },
    });
    // Said once the catch-up is through, for all the jobs it found so.
    await until(() => logged.includes(QUEUE_LOST_LOG), 10_000, 'the operator line');
  });

  it('a waiting job Redis had taken, lost in an empty restart: not told the bot restarted', async () => {
    cluster = await startCluster({ frontEnds: 1, workers: 0, prefix: uniquePrefix() });
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const waiting = submitImagine(fe, { platform: 'telegram', userId: '9' }, 'a heron');
    const state = new SharedState(REDIS_URL, cluster.prefix);
    closing.push(() => state.close());
    await until(
      () => fe.events.some((e) => e.job.id === waiting.id && e.type === 'queued'),
      10_000,
      'queued',
    );
    await fe.queue.stop();
    // Redis back empty (this test's keys only: the shared server is never flushed).
    await removeAllKeys(state.redis, cluster.prefix);
    const { events } = await startedAgain(state, fe.store);
    await until(() => events.some((e) => e.type === 'failed'), 10_000, 'the failure');
    const key = events.find((e) => e.type === 'failed')?.job.error?.key ?? '';
    // The bot did not restart here: Redis did. The words must hold for that too.
    expect(catalog('en')[key]).toBe(
      'Your job was lost before it started (the bot or its queue server restarted without keeping it), so it never ran. Please send it again.',
    );
  });

  it('the worker still running a job Redis lost ends it unheard: its owner is told once, nothing crashes', async () => {
    const engine = new GatedEngineDouble();
    cluster = await startCluster({ frontEnds: 1, workers: 1, prefix: uniquePrefix(), engine: () => engine });
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const running = submitImagine(fe, { platform: 'telegram', userId: '10' }, 'a crane');
    await until(
      () => fe.events.some((e) => e.job.id === running.id && e.type === 'started'),
      10_000,
      'started',
    );
    await fe.queue.stop();
    // Redis back empty under the worker (this test's keys only: the shared server is never flushed), before the
    // front-end connects again: its connection marks since when Redis has kept its data.
    const admin = new Redis(REDIS_URL);
    await removeAllKeys(admin, cluster.prefix);
    admin.disconnect();
    const state = new SharedState(REDIS_URL, cluster.prefix);
    closing.push(() => state.close());
    const { events } = await startedAgain(state, fe.store);
    await until(() => events.some((e) => e.type === 'failed'), 10_000, 'the queue_lost failure');
    engine.open();
    // Its run in hand ends (settled, told, or not) before the close returns.
    const [{ worker }] = cluster.workers as [Cluster['workers'][number]];
    await worker.close(10_000);
    // It did run to its end on the worker, after its owner was told it was lost.
    expect(engine.started).toHaveLength(1);
    expect(events.filter((e) => e.job.id === running.id && e.type !== 'progress').map((e) => e.type)).toEqual(
      ['failed'],
    );
    expect(fe.store.get(running.id)).toMatchObject({
      status: 'failed',
      error: { key: 'errors.job.queue_lost' },
    });
  });
});
