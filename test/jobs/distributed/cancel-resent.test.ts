// A cancel Redis kept refusing until the front-end stopped was given up (front-cancel.ts), but its asker had been
// answered "cancelled" and the job's local record kept the mark (`meta.cancelRequested`). The next start's catch-up
// writes it again while the job is still waiting or running: the answer given is not left a false one.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeAllKeys, SharedState } from '../../../src/jobs/distributed/shared-state.js';
import { JobStore } from '../../../src/jobs/store.js';
import type { Owner } from '../../../src/jobs/types.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import {
  eventually,
  frontEndOnRedis,
  REDIS_URL,
  skipWithoutRedis,
  submitImagine,
  uniquePrefix,
  until,
  workerOnRedis,
} from './redis-harness.js';

const skip = await skipWithoutRedis();
const owner: Owner = { platform: 'discord', userId: 'resent' };
const closing: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

/** A front-end of id `fe-resent` over `store` on the shared queue under `prefix`, connected; its events. */
async function frontEnd(prefix: string, store: JobStore) {
  const fe = await frontEndOnRedis(new SharedState(REDIS_URL, prefix), { id: 'fe-resent', store });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await fe.queue.stop();
    await fe.state.close();
  };
  closing.push(stop);
  return { ...fe, stop };
}

/** A shared queue of its own and a front-end's store over it, removed after the test; a connection to read it. */
function sharedQueue() {
  const prefix = uniquePrefix();
  const store = new JobStore(mkdtempSync(join(tmpdir(), 'dimoo-cancel-resent-')));
  const cleaner = new SharedState(REDIS_URL, prefix);
  closing.push(async () => {
    store.close();
    await removeAllKeys(cleaner.redis, prefix);
    await cleaner.close();
  });
  return { prefix, store, cleaner };
}

const OOM = new Error("OOM command not allowed when used memory > 'maxmemory'.");

describe.skipIf(skip)('a cancel given up at a stop', { timeout: 30_000 }, () => {
  it('is written at the next start while the job still waits: the job never runs', async () => {
    const { prefix, store, cleaner } = sharedQueue();
    const first = await frontEnd(prefix, store);
    const job = submitImagine(first, owner, 'a fox');
    await first.queue.flush();
    // Test double: Redis answering every unqueue with an error, as one out of memory does.
    first.state.unqueue = async () => {
      throw OOM;
    };
    expect(first.queue.cancel(job.id, owner)).toBe('cancelled');
    await until(() => store.get(job.id)?.meta.cancelRequested === true, 5000, 'the local mark');
    await first.stop();
    expect((await cleaner.getJob(job.id))?.status).toBe('queued');

    const second = await frontEnd(prefix, store);
    second.queue.start();
    await eventually(
      async () => (await cleaner.getJob(job.id))?.status === 'cancelled',
      5000,
      'the cancel written',
    );
    await until(
      () => second.events.some((e) => e.type === 'cancelled' && e.job.id === job.id),
      5000,
      'its event',
    );
    expect(store.get(job.id)?.status).toBe('cancelled');
  });

  it('is written at the next start while the job still runs: its worker stops it', async () => {
    const { prefix, store, cleaner } = sharedQueue();
    const workerState = new SharedState(REDIS_URL, prefix);
    const worker = await workerOnRedis(workerState, new TimedEngineDouble(100, 100));
    closing.push(async () => {
      await worker.close(5000);
      await workerState.close();
    });
    const first = await frontEnd(prefix, store);
    const job = submitImagine(first, owner, 'a crane');
    await until(
      () => first.events.some((e) => e.type === 'progress' && e.job.id === job.id),
      10_000,
      'its run',
    );
    // Test double: Redis answering every cancel flag with an error, as one out of memory does.
    first.state.markCancelRequested = async () => {
      throw OOM;
    };
    expect(first.queue.cancel(job.id, owner)).toBe('cancelling');
    await first.stop();
    expect((await cleaner.getJob(job.id))?.status).toBe('running');

    const second = await frontEnd(prefix, store);
    second.queue.start();
    const end = () => second.events.find((e) => ['done', 'failed', 'cancelled'].includes(e.type));
    await until(() => end() !== undefined, 10_000, 'its end');
    expect(end()?.type).toBe('cancelled');
    expect(store.get(job.id)?.status).toBe('cancelled');
  });
});
