// QUEUE_URL set: `npm start`'s services are a front-end that loads no model, and a worker elsewhere runs its jobs.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { FrontQueue } from '../../../src/jobs/distributed/front-queue.js';
import { removeAllKeys, SharedState } from '../../../src/jobs/distributed/shared-state.js';
import { DistributedWorker } from '../../../src/jobs/distributed/worker.js';
import { type JobEvent, JobStore } from '../../../src/jobs/index.js';
import { createLogger } from '../../../src/log.js';
import { openServices } from '../../../src/services.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { LIMITS, REDIS_URL, skipWithoutRedis, uniquePrefix, until } from './redis-harness.js';

const skip = await skipWithoutRedis();

describe.skipIf(skip)('roles with QUEUE_URL', () => {
  it('opens a front-end without a model; a worker runs its jobs and the result lands in its DATA_DIR', async () => {
    const prefix = uniquePrefix();
    const dataDir = mkdtempSync(join(tmpdir(), 'dimoo-roles-'));
    const config = loadConfig({ QUEUE_URL: REDIS_URL, QUEUE_PREFIX: prefix, DATA_DIR: dataDir });
    const services = await openServices(config, createLogger({ level: 'silent' }));
    const state = new SharedState(REDIS_URL, prefix);
    const worker = new DistributedWorker({
      state,
      url: REDIS_URL,
      engine: new TimedEngineDouble(),
      jobTimeoutMs: 60_000,
    });
    try {
      expect(services.engine).toBeUndefined();
      expect(services.device).toBe('workers');
      const events: JobEvent[] = [];
      services.jobs.queue.subscribe((e) => events.push(e));
      services.start();
      await worker.start();
      const result = services.jobs.queue.submit({
        owner: { platform: 'web', userId: 'w1' },
        scope: 'playground',
        kind: 'imagine',
        request: { task: 'text_to_image', prompt: 'a fox', width: 256, height: 256 },
      });
      if (!result.ok) throw new Error('refused');
      await until(() => events.some((e) => e.type === 'done'), 20_000, 'done');
      expect(events.map((e) => e.type).filter((t) => t !== 'progress' && t !== 'position')).toEqual([
        'queued',
        'started',
        'done',
      ]);
      expect(services.jobs.store.readFile(result.job.id, 'result.png').length).toBeGreaterThan(0);
      expect(services.jobs.store.get(result.job.id)?.status).toBe('done');
    } finally {
      await worker.close(5000);
      await services.close();
      await removeAllKeys(state.redis, prefix);
      await state.close();
    }
  });

  it('a front-end draining for its stop leaves a job that ends meanwhile to its next start', async () => {
    const prefix = uniquePrefix();
    const dataDir = mkdtempSync(join(tmpdir(), 'dimoo-drain-fe-'));
    const config = loadConfig({ QUEUE_URL: REDIS_URL, QUEUE_PREFIX: prefix, DATA_DIR: dataDir });
    const log = createLogger({ level: 'silent' });
    const state = new SharedState(REDIS_URL, prefix);
    const worker = new DistributedWorker({
      state,
      url: REDIS_URL,
      engine: new TimedEngineDouble(150, 6),
      jobTimeoutMs: 60_000,
    });
    let services = await openServices(config, log);
    try {
      const before: JobEvent[] = [];
      services.jobs.queue.subscribe((e) => before.push(e));
      services.start();
      await worker.start();
      const result = services.jobs.queue.submit({
        owner: { platform: 'telegram', userId: 't1' },
        scope: 'chat:1',
        kind: 'imagine',
        request: { task: 'text_to_image', prompt: 'ends while stopping', width: 256, height: 256 },
      });
      if (!result.ok) throw new Error('refused');
      const id = result.job.id;
      await until(() => before.some((e) => e.type === 'started'), 10_000, 'the start');
      // As stopOnSignal does: drained, then the adapters stop (seconds for a chat's last edits) while the job ends.
      await services.drain?.();
      for (let i = 0; i < 100 && (await state.getJob(id))?.status !== 'done'; i++)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect((await state.getJob(id))?.status).toBe('done');
      await new Promise((resolve) => setTimeout(resolve, 300));
      await services.close();
      // Heard with no adapter left to show it, the end would count as delivered and never be reported again.
      expect(before.some((e) => e.type === 'done')).toBe(false);
      services = await openServices(config, log);
      const after: JobEvent[] = [];
      services.jobs.queue.subscribe((e) => after.push(e));
      services.start();
      await until(() => after.some((e) => e.type === 'done'), 10_000, 'the caught-up result');
      expect(after.filter((e) => e.job.id === id).map((e) => e.type)).toEqual(['done']);
      expect(services.jobs.store.readFile(id, 'result.png').length).toBeGreaterThan(0);
    } finally {
      await worker.close(5000);
      await services.close();
      await removeAllKeys(state.redis, prefix);
      await state.close();
    }
  });

  it('front-ends claim a platform event once: the first claim wins, every later one loses until it expires', async () => {
    const prefix = uniquePrefix();
    const dataDir = mkdtempSync(join(tmpdir(), 'dimoo-claim-'));
    const config = loadConfig({ QUEUE_URL: REDIS_URL, QUEUE_PREFIX: prefix, DATA_DIR: dataDir });
    const services = await openServices(config, createLogger({ level: 'silent' }));
    const other = new SharedState(REDIS_URL, prefix);
    try {
      const claim = (key: string) => services.jobs.claim?.(key, 300);
      expect(await claim('discord:claim:1')).toBe(true);
      expect(await other.claimOnce('discord:claim:1', 300)).toBe(false);
      expect(await claim('discord:claim:1')).toBe(false);
      expect(await other.claimOnce('discord:claim:2', 300)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(await other.claimOnce('discord:claim:1', 300)).toBe(true);
    } finally {
      await services.close();
      await removeAllKeys(other.redis, prefix);
      await other.close();
    }
  });

  it('a front-end restarted under its name reports the jobs that ended while it was down', async () => {
    const prefix = uniquePrefix();
    const dir = mkdtempSync(join(tmpdir(), 'dimoo-restart-fe-'));
    const states = [0, 1, 2].map(() => new SharedState(REDIS_URL, prefix));
    const [first, second, workerState] = states as [SharedState, SharedState, SharedState];
    const worker = new DistributedWorker({
      state: workerState,
      url: REDIS_URL,
      engine: new TimedEngineDouble(150, 4),
      jobTimeoutMs: 60_000,
    });
    const open = (state: SharedState) =>
      new FrontQueue({
        id: 'fe-under-test',
        state,
        url: REDIS_URL,
        store: new JobStore(dir),
        engine: new TimedEngineDouble(),
        limits: LIMITS,
      });
    try {
      await worker.start();
      const before = open(first);
      await before.connect();
      const started: JobEvent[] = [];
      before.subscribe((e) => started.push(e));
      const result = before.submit({
        owner: { platform: 'telegram', userId: 't1' },
        scope: 'chat:1',
        kind: 'imagine',
        request: { task: 'text_to_image', prompt: 'while away', width: 256, height: 256 },
      });
      if (!result.ok) throw new Error('refused');
      await until(() => started.some((e) => e.type === 'started'), 10_000, 'the start');
      await before.stop();
      for (let i = 0; i < 100 && (await workerState.getJob(result.job.id))?.status !== 'done'; i++)
        await new Promise((resolve) => setTimeout(resolve, 50));
      // Nobody took the end yet: Redis keeps the record, its owner entry and its result for the restart.
      const id = result.job.id;
      expect(await first.redis.hget(first.key('owners'), id)).toBe('fe-under-test');
      expect(await first.redis.ttl(first.key('job', id))).toBeGreaterThan(24 * 3600);
      expect(await first.redis.exists(first.key('file', id, 'result.png'))).toBe(1);
      const after = open(second);
      const events: JobEvent[] = [];
      after.subscribe((e) => events.push(e));
      await after.connect();
      after.start();
      await until(() => events.some((e) => e.type === 'done'), 10_000, 'the caught-up result');
      expect(events.filter((e) => e.job.id === result.job.id).map((e) => e.type)).toEqual(['done']);
      await after.stop();
      // Taken: the record expires within a day, the owner entry and the result are gone.
      expect(await first.redis.hget(first.key('owners'), id)).toBeNull();
      expect(await first.redis.ttl(first.key('job', id))).toBeLessThanOrEqual(24 * 3600);
      expect(await first.redis.exists(first.key('file', id, 'result.png'))).toBe(0);
    } finally {
      await worker.close(5000);
      await removeAllKeys(first.redis, prefix);
      for (const state of states) await state.close();
    }
  });
});
