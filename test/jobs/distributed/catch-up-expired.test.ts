// A front-end away longer than Redis keeps an ended job's record (7 days) finds, at its catch-up, a job it left
// running with no record: Redis did not lose its data, the record expired. Its owner is told the result is lost,
// and the operator is not told to look at Redis's persistence; an empty restart that took several jobs is one line.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { QUEUE_LOST_LOG } from '../../../src/jobs/distributed/front-delivery.js';
import { removeAllKeys, SharedState } from '../../../src/jobs/distributed/shared-state.js';
import { newJob } from '../../../src/jobs/job-parts.js';
import { JobStore } from '../../../src/jobs/store.js';
import type { Job } from '../../../src/jobs/types.js';
import { frontEndOnRedis, REDIS_URL, skipWithoutRedis, uniquePrefix, until } from './redis-harness.js';

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
  closing.push(async () => {
    store.close();
    await removeAllKeys(state.redis, state.prefix);
    await state.close();
  });
  await prepare(state, store);
  const { queue, events } = await frontEndOnRedis(state, {
    store,
    log: (_level, message) => logged.push(message),
  });
  closing.push(() => queue.stop());
  queue.start();
  await meanwhile(state, store);
  await until(() => events.filter((e) => e.type === 'failed').length === 2, 10_000, 'both failures');
  // The operator's line follows the last failure, once the catch-up has been through every job: what it logged (or
  // did not) is read once it has ended. The drain's end is the catch-up's (it awaits the events in hand).
  await queue.drain();
  const errors = events.filter((e) => e.type === 'failed').map((e) => e.job.error?.key);
  return { errors, logged };
}

describe.skipIf(skip)(
  'distributed queue: catch-up of jobs whose records are gone',
  { timeout: 30_000 },
  () => {
    it('records expired while Redis kept its data: the result is lost, Redis not blamed', async () => {
      const { errors, logged } = await catchUp(async (state, store) => {
        // Redis has kept its data since before the jobs ran, which started longer ago than an ended record is kept
        // (one started since could not have expired). Its 'ready' listener wrote the mark before the clock's sync,
        // which the set-up awaited: dated back here as 8 days of Redis's uptime would have left it.
        const week = 7 * 24 * 3600_000;
        await state.redis.set(state.key('data-since'), String(state.now() - week - 86_400_000));
        leftRunning(store, state.now() - week - 3_600_000);
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

    it('Redis flushed while the jobs ran, only the subscriber reconnecting: no mark, queue_lost all the same', async () => {
      const { errors, logged } = await catchUp(
        async () => undefined,
        async (state, store) => {
          await state.redis.ping();
          for (const job of leftRunning(store, state.now() - 60_000)) await state.saveJob(job);
          // A FLUSHDB no connection of this process followed: the catch-up finds the mark gone and writes it itself.
          await removeAllKeys(state.redis, state.prefix);
          await cutConnections((line) => line.includes(` name=${state.prefix}:front-end-`));
        },
      );
      // "Finished while the bot was away" would be false: these records, of jobs started a minute ago, cannot
      // have expired.
      expect(errors).toEqual(['errors.job.queue_lost', 'errors.job.queue_lost']);
      expect(logged.filter((line) => line === QUEUE_LOST_LOG)).toHaveLength(1);
    });
  },
);
