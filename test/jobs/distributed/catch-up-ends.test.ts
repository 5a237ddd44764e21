// A restarted front-end's catch-up on the jobs it must report, when their record in Redis cannot be reported as it
// is: a job finished whose result expired meanwhile, and a record that is none of ours. Each owner is told once
// that the job failed (with words that say why where there are some), and the next catch-up does not try again.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
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

/** A front-end restarted with `job` running in its store and `record` as Redis has it; its events and log lines. */
async function restartWith(record: (job: Job) => string) {
  const prefix = uniquePrefix();
  const store = new JobStore(mkdtempSync(join(tmpdir(), 'dimoo-catch-up-')));
  const owner = { platform: 'telegram' as const, userId: '8' };
  const job = newJob(
    {
      owner,
      scope: 'chat:8',
      kind: 'imagine',
      request: { task: 'text_to_image', prompt: 'an owl', width: 256, height: 256 },
    },
    { id: store.newId(), seq: 1, estimatedCost: 1, defaultPriority: 'normal', createdAt: Date.now() },
  );
  store.insert({ ...job, status: 'running', startedAt: Date.now() });
  const state = new SharedState(REDIS_URL, prefix);
  await state.redis.set(state.key('job', job.id), record(job));
  const lines: string[] = [];
  const queue = new FrontQueue({
    id: 'fe-catch-up',
    state,
    url: REDIS_URL,
    store,
    engine: new TimedEngineDouble(),
    limits: LIMITS,
    log: (_level, message) => lines.push(message),
  });
  const events: JobEvent[] = [];
  queue.subscribe((event) => events.push(event));
  closing.push(async () => {
    await queue.stop();
    store.close();
    await removeAllKeys(state.redis, prefix);
    await state.close();
  });
  await queue.connect();
  queue.start();
  await until(() => events.some((e) => e.type === 'failed'), 10_000, 'the failure');
  // A second catch-up, as at the next start: nothing is told again (drain waits for it).
  queue.start();
  await queue.drain();
  return { job, events, lines, store };
}

describe.skipIf(skip)(
  'distributed queue: catching up on ends it cannot report as they are',
  { timeout: 30_000 },
  () => {
    it('tells the owner once that a finished job’s result is no longer stored', async () => {
      const { job, events, lines, store } = await restartWith((job) =>
        JSON.stringify({ ...job, status: 'done', finishedAt: Date.now(), result: { file: 'result.png' } }),
      );
      expect(events.map((e) => e.type)).toEqual(['failed']);
      expect(events[0]?.job).toMatchObject({
        id: job.id,
        status: 'failed',
        error: { key: 'errors.job.result_lost' },
      });
      expect(store.get(job.id)?.status).toBe('failed');
      // No result to offer (an "Original file" of it would find nothing).
      expect(store.get(job.id)?.result).toBeUndefined();
      expect(lines.filter((l) => l.includes('catching up on a finished job failed'))).toEqual([]);
    });

    it('tells the owner a job whose record is malformed failed, not that it was never stored', async () => {
      const { job, events, lines } = await restartWith((job) =>
        JSON.stringify({ id: job.id, status: 'queued' }),
      );
      expect(events.map((e) => e.type)).toEqual(['failed']);
      expect(events[0]?.job).toMatchObject({
        id: job.id,
        status: 'failed',
        error: { key: 'errors.generic' },
      });
      expect(lines.filter((l) => l.includes('malformed job record'))).toHaveLength(1);
    });
  },
);
