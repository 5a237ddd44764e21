// The workers' measured pace is kept per job type in Redis, as one process keeps it (eta-calibration.ts): a type's
// ETA and the refusal of a job that would outrun the job timeout use its own pace, and a type not measured yet the
// pace over every type. A worker's first run of a type (it also warmed the engine up) only stands in while the type
// has no pace.
import { describe, expect, it } from 'vitest';
import { estimateCost } from '../../../engine/index.js';
import { calibrate, measuredMs, paceFrom } from '../../../src/jobs/distributed/shared-pace.js';
import { removeAllKeys, SharedState } from '../../../src/jobs/distributed/shared-state.js';
import type { Job } from '../../../src/jobs/types.js';
import {
  type Cluster,
  REDIS_URL,
  skipWithoutRedis,
  startCluster,
  submitImagine,
  uniquePrefix,
  until,
} from './redis-harness.js';

const skip = await skipWithoutRedis();

const owner = { platform: 'discord' as const, userId: 'u1' };

async function pace(cluster: Cluster) {
  return paceFrom(await cluster.probe.redis.hgetall(cluster.probe.key('calibration')));
}

async function done(fe: Cluster['frontEnds'][number], job: Job): Promise<void> {
  await until(() => fe.events.some((e) => e.job.id === job.id && e.type === 'done'), 20_000, 'the job done');
}

describe.skipIf(skip)('distributed queue: the pace per job type', { timeout: 60_000 }, () => {
  it('learns each type’s pace; a worker’s first run of a type stands in only while the type has none', async () => {
    const cluster = await startCluster({ frontEnds: 1, workers: 1, msPerStep: 20 });
    try {
      const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
      await done(fe, submitImagine(fe, owner, 'first'));
      const first = await pace(cluster);
      // Provisional: 0 samples, the overall pace's own first one.
      expect(first.byType).toEqual(new Map([['text_to_image', { msPerUnit: first.overall, samples: 0 }]]));
      await done(fe, submitImagine(fe, owner, 'second'));
      const second = await pace(cluster);
      expect(second.byType.get('text_to_image')?.samples).toBe(1);
      const raw = await cluster.probe.redis.hgetall(cluster.probe.key('calibration'));
      expect(raw.samples).toBe('2');

      // A worker process new to the type (its first run slow with warming up) leaves a measured pace alone.
      await cluster.workers[0]?.worker.close(5000);
      cluster.workers.splice(0, 1);
      await cluster.addWorker();
      await done(fe, submitImagine(fe, owner, 'third'));
      expect((await pace(cluster)).byType.get('text_to_image')).toEqual(second.byType.get('text_to_image'));
      expect((await cluster.probe.redis.hget(cluster.probe.key('calibration'), 'samples')) ?? '').toBe('3');
    } finally {
      await cluster.close();
    }
  });

  it('tells ETAs and refuses by the job type’s own pace, and by the overall one for a type not measured', async () => {
    const cluster = await startCluster({ frontEnds: 1, workers: 0, limits: { jobTimeoutMs: 60_000 } });
    try {
      const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
      const big = { task: 'text_to_image' as const, prompt: 'a lighthouse', width: 1024, height: 1024 };
      // Plain text-to-image measured slow (a 1024² one past the timeout); ML-Cache's only provisionally so.
      const slow = (2 * 60_000) / estimateCost(big);
      await cluster.probe.redis.hset(cluster.probe.key('calibration'), {
        msPerUnit: '0.002',
        samples: '5',
        'msPerUnit:text_to_image': String(slow),
        'samples:text_to_image': '3',
        'msPerUnit:text_to_image_cache': String(slow),
        'samples:text_to_image_cache': '0',
      });
      await cluster.probe.publish('changed', {});
      await until(() => fe.queue.paceKnown, 5000, 'the mirror to read the pace');

      const plain = { request: big, estimatedCost: 1000 };
      expect(fe.queue.expectedMs(plain)).toBeCloseTo(1000 * slow, 6);
      expect(fe.queue.expectedMs({ request: { ...big, cache: true }, estimatedCost: 1000 })).toBeCloseTo(
        1000 * slow,
        6,
      );
      // An edit has no pace of its own yet: the overall one.
      const edit: Job['request'] = {
        task: 'image_to_image',
        editType: 'edit_add',
        prompt: 'x',
        image: { file: 'input.png' },
      };
      expect(fe.queue.expectedMs({ request: edit, estimatedCost: 1000 })).toBeCloseTo(2, 6);
      expect(fe.queue.msPerUnit).toBe(0.002);

      const submit = (request: Job['request']) =>
        fe.queue.submit({ owner, scope: 'guild:1', kind: 'imagine', request });
      expect(submit(big)).toMatchObject({ ok: false, refusal: { key: 'errors.queue.too_long' } });
      // Its provisional pace refuses nothing; the overall one lets it through.
      expect(submit({ ...big, cache: true })).toMatchObject({ ok: true });

      // A worker's `started` tells the type's own time too.
      await cluster.addWorker();
      const small = submitImagine(fe, owner, 'small');
      await until(
        () => fe.events.some((e) => e.job.id === small.id && e.type === 'started'),
        20_000,
        'start',
      );
      const started = fe.events.find((e) => e.job.id === small.id && e.type === 'started');
      expect(started?.type === 'started' && started.etaMs).toBe(Math.round(small.estimatedCost * slow));
    } finally {
      await cluster.close();
    }
  });

  it('counts every one of several workers’ calibrations that finish at the same moment', async () => {
    // Ten workers (a connection each) feed runs of 1..10 ms per unit at once: within the window the running average
    // is the plain mean, whatever order they land in, and every run is one more sample.
    const prefix = uniquePrefix();
    const states = Array.from({ length: 10 }, () => new SharedState(REDIS_URL, prefix));
    try {
      await Promise.all(states.map((s) => s.redis.ping()));
      await Promise.all(
        states.map((state, i) => calibrate(state, i + 1, { type: 'text_to_image', cold: false })),
      );
      const raw = await states[0]?.redis.hgetall(states[0].key('calibration'));
      expect(raw).toMatchObject({ samples: '10', 'samples:text_to_image': '10' });
      const shared = paceFrom(raw ?? {});
      expect(shared.overall).toBeCloseTo(5.5, 9);
      expect(shared.byType.get('text_to_image')?.msPerUnit).toBeCloseTo(5.5, 9);

      // Cold runs of a new type at once: one stands in, provisionally; the overall figure counts them all.
      await Promise.all(
        states.map((state, i) => calibrate(state, 100 + i, { type: 'understand', cold: true })),
      );
      const after = paceFrom((await states[0]?.redis.hgetall(states[0].key('calibration'))) ?? {});
      expect(after.byType.get('understand')?.samples).toBe(0);
      expect(after.byType.get('understand')?.msPerUnit).toBeGreaterThanOrEqual(100);
      expect(await states[0]?.redis.hget(states[0].key('calibration'), 'samples')).toBe('20');
    } finally {
      await removeAllKeys(states[0]?.redis as SharedState['redis'], prefix);
      await Promise.all(states.map((s) => s.close()));
    }
  });

  it('judges a type not measured yet by warm runs only, not by a fresh cluster’s first, cold run', async () => {
    const prefix = uniquePrefix();
    const state = new SharedState(REDIS_URL, prefix);
    try {
      const describe: Job['request'] = { task: 'understand', image: { file: 'input.png' } };
      const job = { request: describe, estimatedCost: 1000 };
      const read = async () => paceFrom(await state.redis.hgetall(state.key('calibration')));
      // The first run anywhere: cold, several times a warm one. ETAs may use it; refusals may not.
      await calibrate(state, 10, { type: 'text_to_image', cold: true });
      expect((await read()).overall).toBe(10);
      expect(measuredMs(await read(), job)).toBeUndefined();
      // A warm run: now the overall pace of warm runs judges a type that never ran.
      await calibrate(state, 2, { type: 'text_to_image', cold: false });
      expect(measuredMs(await read(), job)).toBe(2000);
      // A hash written before the warm pace was kept: none, so nothing is judged by it.
      expect(measuredMs(paceFrom({ msPerUnit: '10', samples: '3' }), job)).toBeUndefined();
    } finally {
      await removeAllKeys(state.redis, prefix);
      await state.close();
    }
  });

  it('keeps the running average over the last 20 runs exactly as the JavaScript formula gives it', async () => {
    const prefix = uniquePrefix();
    const state = new SharedState(REDIS_URL, prefix);
    try {
      // The reference: one more sample each run, the step 1/min(n, 20), the first sample taken outright.
      let expected = 0;
      for (let n = 1; n <= 30; n++) {
        const observed = 0.001 * (1 + ((n * 7) % 11) / 3);
        expected = n === 1 ? observed : expected + (observed - expected) / Math.min(n, 20);
        await calibrate(state, observed, { type: 'paint', cold: false });
      }
      const pace = paceFrom(await state.redis.hgetall(state.key('calibration')));
      expect(pace.overall).toBe(expected);
      expect(pace.byType.get('paint')).toEqual({ msPerUnit: expected, samples: 30 });
    } finally {
      await removeAllKeys(state.redis, prefix);
      await state.close();
    }
  });
});
