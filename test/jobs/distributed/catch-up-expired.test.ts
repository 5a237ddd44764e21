// A front-end away longer than Redis keeps an ended job's record (7 days) finds, at its catch-up, a job it left
// running with no record: Redis did not lose its data, the record expired. Its owner is told the result is lost,
// and the operator is not told to look at Redis's persistence; an empty restart that took several jobs is one line.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { QUEUE_LOST_LOG } from '../../../src/jobs/distributed/front-delivery.js';
import { FrontQueue } from '../../../src/jobs/distributed/front-queue.js';
import { removeAllKeys, SharedState } from '../../../src/jobs/distributed/shared-state.js';
import type { JobEvent } from '../../../src/jobs/events.js';
import { newJob } from '../../../src/jobs/job-parts.js';
import { JobStore } from '../../../src/jobs/store.js';
import type { Job } from '../../../src/jobs/types.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { LIMITS, REDIS_URL, skipWithoutRedis, uniquePrefix, until } from './redis-harness.js';

const skip = await skipWithoutRedis();
const closing: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

/** Two jobs this front-end's store has as running since `startedAt`, none of them in Redis. */
function leftRunning(store: JobStore, startedAt: number): Job[] {
  return ['a wren', 'a lark'].map((prompt, n) => {
    const job = newJob(
      {
        owner: { platform: 'telegram', userId: `e${n}` },
        scope: 'chat:1',
        kind: 'imagine',
        request: { task: 'text_to_image', prompt, width: 256, height: 256 },
      },
      { id: store.newId(), seq: n + 1, estimatedCost: 1, defaultPriority: 'normal', createdAt: startedAt },
    );
    job.status = 'running';
    job.startedAt = startedAt;
    store.insert(job);
    return job;
  });
}

/** Cuts the connections whose CLIENT LIST line `matches`, as a network failure would (each reconnects by itself). */
async function cutConnections(matches: (line: string) => boolean): Promise<void> {
  const admin = new Redis(REDIS_URL);
  try {
    const lines = ((await admin.client('LIST')) as string).split('\n').filter(matches);
    expect(lines).not.toHaveLength(0);
    for (const line of lines) await admin.client('KILL', 'ID', /^id=(\d+) /.exec(line)?.[1] as string);
  } finally {
    admin.disconnect();
  }
}

async function catchUp(
  prepare: (state: SharedState, store: JobStore) => Promise<void>,
  meanwhile: (state: SharedState, store: JobStore) => Promise<void> = async () => undefined,
) {
  const store = new JobStore(mkdtempSync(join(tmpdir(), 'dimoo-catch-up-expired-')));
  const state = new SharedState(REDIS_URL, uniquePrefix());
  await state.clock.synced;
  const logged: string[] = [];
  const queue = new FrontQueue({
    state,
    url: REDIS_URL,
    store,
    engine: new TimedEngineDouble(),
    limits: LIMITS,
    log: (_level, message) => logged.push(message),
  });
  const events: JobEvent[] = [];
  queue.subscribe((event) => events.push(event));
  closing.push(async () => {
    await queue.stop();
    store.close();
    await removeAllKeys(state.redis, state.prefix);
    await state.close();
  });
  await prepare(state, store);
  await queue.connect();
  queue.start();
  await meanwhile(state, store);
  await until(() => events.filter((e) => e.type === 'failed').length === 2, 10_000, 'both failures');
  return { errors: events.filter((e) => e.type === 'failed').map((e) => e.job.error?.key), logged };
}

describe.skipIf(skip)(
  'distributed queue: catch-up of jobs whose records are gone',
  { timeout: 30_000 },
  () => {
    it('records expired while Redis kept its data: the result is lost, Redis not blamed', async () => {
      const { errors, logged } = await catchUp(async (state, store) => {
        // Written by this connection, not by hand: Redis has kept its data since before the jobs ran.
        // Its 'ready' listener comes before the clock's, whose sync the set-up awaited.
        leftRunning(store, Number(await state.redis.get(state.key('data-since'))) + 1_000);
      });
      expect(errors).toEqual(['errors.job.result_lost', 'errors.job.result_lost']);
      expect(logged).not.toContain(QUEUE_LOST_LOG);
    });

    it('Redis lost its data since the jobs ran: queue_lost, said to the operator once', async () => {
      const { errors, logged } = await catchUp(async (state, store) => {
        leftRunning(store, state.now() - 60_000);
      });
      expect(errors).toEqual(['errors.job.queue_lost', 'errors.job.queue_lost']);
      expect(logged.filter((line) => line === QUEUE_LOST_LOG)).toHaveLength(1);
    });

    it('Redis flushed while the jobs ran: the reconnection marks it, queue_lost', async () => {
      const { errors, logged } = await catchUp(
        async () => undefined,
        async (state, store) => {
          // One round trip: the first catch-up (over no jobs) has read this front-end's store.
          await state.redis.ping();
          for (const job of leftRunning(store, state.now() - 60_000)) await state.saveJob(job);
          const mainId = String(await state.redis.client('ID'));
          await removeAllKeys(state.redis, state.prefix);
          // The main connection first (its mark is sent before this ping's reply), then the subscriber (its
          // recovery catches up).
          await cutConnections((line) => line.startsWith(`id=${mainId} `));
          await state.redis.ping();
          await cutConnections((line) => line.includes(` name=${state.prefix}:front-end-`));
        },
      );
      expect(errors).toEqual(['errors.job.queue_lost', 'errors.job.queue_lost']);
      expect(logged.filter((line) => line === QUEUE_LOST_LOG)).toHaveLength(1);
    });
  },
);
