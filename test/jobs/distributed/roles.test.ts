// QUEUE_URL set: `npm start`'s services are a front-end that loads no model, and a worker elsewhere runs its jobs.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { removeAllKeys, SharedState } from '../../../src/jobs/distributed/shared-state.js';
import { DistributedWorker } from '../../../src/jobs/distributed/worker.js';
import type { JobEvent } from '../../../src/jobs/index.js';
import { createLogger } from '../../../src/log.js';
import { openServices } from '../../../src/services.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { REDIS_URL, skipWithoutRedis, uniquePrefix, until } from './redis-harness.js';

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
});
