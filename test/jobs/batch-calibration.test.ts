// A batched run is one measurement of the pace: its first run of a type stays provisional, as a lone first run does,
// so admission does not refuse later jobs as too long on a cold pace; a member cancelled mid-run counts only for the
// share of its steps that ran.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobEvent } from '../../src/jobs/events.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { JobStore } from '../../src/jobs/store.js';
import type { Job, Owner } from '../../src/jobs/types.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';
import { queueLimits } from './queue-limits.js';

const open: JobQueue[] = [];
afterEach(async () => {
  for (const queue of open.splice(0)) await queue.stop({ waitMs: 2000 });
});

const user = (id: string): Owner => ({ platform: 'discord', userId: id });
const imagine = (size: number, steps = 64) => ({
  task: 'text_to_image' as const,
  prompt: 'a fox',
  width: size,
  height: size,
  steps,
});

function makeQueue(maxBatch: number) {
  const engine = new TimedEngineDouble(20, 2);
  const store = new JobStore(mkdtempSync(join(tmpdir(), 'dimoo-batch-pace-')));
  const queue = new JobQueue({ store, engine, limits: queueLimits({ jobTimeoutMs: 1000 }), maxBatch });
  const events: JobEvent[] = [];
  queue.subscribe((event) => events.push(event));
  open.push(queue);
  return { queue, store, engine, events };
}

async function untilDone(events: JobEvent[], count: number): Promise<void> {
  const started = Date.now();
  while (events.filter((e) => e.type === 'done').length < count) {
    if (Date.now() - started > 10_000) throw new Error('timed out waiting for the jobs to end');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('pace learnt from a batched run', () => {
  it('keeps a first batched run of a type provisional, so a large job is not refused on its cold pace', async () => {
    const { queue, store, engine, events } = makeQueue(4);
    for (const id of ['a', 'b', 'c']) {
      const result = queue.submit({
        owner: user(id),
        scope: 'guild:1',
        kind: 'imagine',
        request: imagine(64),
      });
      expect(result.ok).toBe(true);
    }
    queue.start();
    await untilDone(events, 3);
    expect(engine.batches).toEqual([3]);
    // The run counted once, and as the type's cold first run: a stand-in, no sample yet.
    expect(store.calibration('cpu:text_to_image')?.samples).toBe(0);
    expect(store.calibration('cpu')?.samples).toBe(1);
    // At that pace a 1024² job would outrun the timeout; a cold pace is no ground to refuse it on.
    const large = imagine(1024, 128);
    expect(queue.expectedMs({ request: large, estimatedCost: engine.estimateCost(large) })).toBeGreaterThan(
      1000,
    );
    const result = queue.submit({ owner: user('d'), scope: 'guild:1', kind: 'imagine', request: large });
    expect(result.ok).toBe(true);
  });

  it('learns a warm batched run once, not once per job of it', async () => {
    const { queue, store, events } = makeQueue(4);
    // A pace learnt before this start, quick enough that admission takes every job.
    store.setCalibration('cpu:text_to_image', 1e-6, 5);
    store.setCalibration('cpu', 1e-6, 5);
    for (const id of ['a', 'b', 'c']) {
      const result = queue.submit({
        owner: user(id),
        scope: 'guild:1',
        kind: 'imagine',
        request: imagine(64),
      });
      expect(result.ok).toBe(true);
    }
    queue.start();
    await untilDone(events, 3);
    // This process's first run of the type is cold: the learnt pace stays; the device's takes one sample.
    expect(store.calibration('cpu:text_to_image')).toEqual({ msPerUnit: 1e-6, samples: 5 });
    expect(store.calibration('cpu')?.samples).toBe(6);
  });

  it('counts a member cancelled mid-run only for the share of its steps that ran', async () => {
    const engine = new TimedEngineDouble(50, 3);
    const store = new JobStore(mkdtempSync(join(tmpdir(), 'dimoo-batch-pace-')));
    const queue = new JobQueue({ store, engine, limits: queueLimits(), maxBatch: 3 });
    open.push(queue);
    const events: JobEvent[] = [];
    queue.subscribe((event) => events.push(event));
    const jobs = ['a', 'b', 'c'].map((id) => {
      const result = queue.submit({
        owner: user(id),
        scope: 'guild:1',
        kind: 'imagine',
        request: imagine(64),
      });
      if (!result.ok) throw new Error(`refused: ${result.refusal.key}`);
      return result.job;
    });
    const [a, b, c] = jobs as [Job, Job, Job];
    queue.start();
    while (!events.some((e) => e.job.id === b.id && e.type === 'progress'))
      await new Promise((resolve) => setTimeout(resolve, 2));
    expect(queue.cancel(b.id, user('b'))).toBe('cancelling');
    await untilDone(events, 2);
    while (!events.some((e) => e.job.id === b.id && e.type === 'cancelled'))
      await new Promise((resolve) => setTimeout(resolve, 2));
    expect(engine.batches).toEqual([3]);
    const last = events.filter((e) => e.job.id === b.id && e.type === 'progress').at(-1);
    if (last?.type !== 'progress') throw new Error('no progress');
    const ran = last.step / last.total;
    expect(ran).toBeLessThan(1);
    // The run did the two whole jobs and that share of the cancelled one: the pace is its time over that much.
    const ranCost = a.estimatedCost + c.estimatedCost + b.estimatedCost * ran;
    const measuredMs = (store.get(a.id) as Job).measuredMs as number;
    const pace = store.calibration('cpu')?.msPerUnit as number;
    expect(Math.abs(pace * ranCost - measuredMs) / measuredMs).toBeLessThan(0.02);
  });
});
