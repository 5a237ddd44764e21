// A grid drawn by a worker reaches the front-end that took it whole: the tiled PNG and each image, so a number
// pressed there finds the image it names.
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../../engine/index.js';
import { calibrate } from '../../../src/jobs/distributed/shared-pace.js';
import { SharedState } from '../../../src/jobs/distributed/shared-state.js';
import { greyOfSeed } from '../../doubles/timed-engine.js';
import { REDIS_URL, skipWithoutRedis, startCluster, uniquePrefix, until } from './redis-harness.js';

const skip = await skipWithoutRedis();

describe.skipIf(skip)('distributed queue: grids', () => {
  it('copies every image of a grid to the front-end with its tiled PNG', async () => {
    const cluster = await startCluster({ frontEnds: 1, workers: 1 });
    try {
      const fe = cluster.frontEnds[0] as (typeof cluster.frontEnds)[number];
      const result = fe.queue.submit({
        owner: { platform: 'discord', userId: 'u1' },
        scope: 'guild:1',
        kind: 'imagine',
        request: {
          task: 'text_to_image',
          prompt: 'a lighthouse',
          width: 256,
          height: 256,
          seed: 3,
          count: 2,
        },
      });
      if (!result.ok) throw new Error('refused');
      const id = result.job.id;
      await until(() => fe.events.some((e) => e.job.id === id && e.type === 'done'), 20_000, 'the grid');
      expect(fe.store.get(id)?.result?.candidates).toEqual([
        { file: 'result-1.png', seed: 3 },
        { file: 'result-2.png', seed: 4 },
      ]);
      expect(fe.store.readFile(id, 'result.png').length).toBeGreaterThan(0);
      const second = await decodeImage(fe.store.readFile(id, 'result-2.png'), { maxPixels: 1e6 });
      expect(second.data[0]).toBe(greyOfSeed(4));
    } finally {
      await cluster.close();
    }
  });

  it('refuses a grid the workers’ measured pace says would outrun the job timeout', async () => {
    const prefix = uniquePrefix();
    const state = new SharedState(REDIS_URL, prefix);
    // A millisecond per cost unit (slow), in a warm run of another type: the grid is judged by the overall pace.
    await calibrate(state, 1, { type: 'understand', cold: false });
    const cluster = await startCluster({
      frontEnds: 1,
      workers: 0,
      prefix,
      limits: { jobTimeoutMs: 60_000 },
    });
    try {
      const fe = cluster.frontEnds[0] as (typeof cluster.frontEnds)[number];
      const request = { task: 'text_to_image' as const, prompt: 'a lighthouse', width: 1024, height: 1024 };
      const refused = fe.queue.submit({
        owner: { platform: 'discord', userId: 'u1' },
        scope: 'guild:1',
        kind: 'imagine',
        request: { ...request, count: 4 },
      });
      expect(refused).toMatchObject({ ok: false, refusal: { key: 'errors.queue.too_long' } });
      expect(fe.store.byStatus('queued')).toHaveLength(0);
    } finally {
      await cluster.close();
      await state.close();
    }
  });
});
