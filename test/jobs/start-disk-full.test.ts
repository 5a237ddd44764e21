import { afterEach, describe, expect, it } from 'vitest';
import type { JobEvent } from '../../src/jobs/events.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { JobStore } from '../../src/jobs/store.js';
import type { Job } from '../../src/jobs/types.js';
import { FullDiskStoreDouble } from '../doubles/full-disk-store.js';
import { waitUntil } from '../doubles/shared/wait.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';
import { input, leftRunning as leftRunningIn, owner } from './left-running.js';
import { queueLimits } from './queue-limits.js';

const open: JobQueue[] = [];
afterEach(async () => {
  for (const q of open.splice(0)) await q.stop({ waitMs: 2000 });
});

const leftRunning = (rows: Record<string, Partial<Job>>) => leftRunningIn('start-full', rows);

function startFull(dir: string) {
  const store = new FullDiskStoreDouble(dir);
  store.full = true;
  const engine = new TimedEngineDouble();
  const logged: string[] = [];
  const queue = new JobQueue({
    store,
    engine,
    limits: queueLimits(),
    log: (_level, message) => logged.push(message),
  });
  open.push(queue);
  const events: JobEvent[] = [];
  queue.subscribe((e) => events.push(e));
  return { store, engine, queue, logged, events };
}

const of = (events: JobEvent[], type: JobEvent['type'], id: string) =>
  events.filter((e) => e.type === type && 'job' in e && e.job.id === id);

describe('a start while the disk is full and jobs were left running', () => {
  it('opens, refuses new jobs as full, and recovers the left jobs once the database takes writes', async () => {
    const { dir, ids } = leftRunning({ ann: {}, bob: { attempts: 2 }, cid: {} });
    const { store, engine, queue, logged, events } = startFull(dir);
    queue.start();
    expect(queue.submit(input('dan', 'a boat'))).toEqual({
      ok: false,
      refusal: { key: 'errors.disk_full', params: {} },
    });
    // cid's owner cancels while the recovery waits: kept, and applied when it is done.
    expect(queue.cancel(ids.cid as string, owner('cid'))).toBe('cancelling');
    expect(queue.get(ids.cid as string)?.status).toBe('cancelled');
    // Past two of the worker's retries: nothing ran, nothing was said twice.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(engine.started).toEqual([]);
    expect(store.get(ids.ann as string)?.status).toBe('running');
    expect(logged.filter((m) => m.includes('the last process left running')).length).toBe(1);
    expect(logged.filter((m) => m.includes('job worker error'))).toEqual([]);

    store.full = false;
    await waitUntil(() => of(events, 'done', ids.ann as string).length > 0, "ann's job is done", 5000);
    expect(of(events, 'started', ids.ann as string)).toHaveLength(1);
    expect(store.get(ids.ann as string)).toMatchObject({ status: 'done', attempts: 2 });
    // The last attempt ends with the apology, told once; the cancel is stored and told.
    expect(store.get(ids.bob as string)).toMatchObject({
      status: 'failed',
      error: { key: 'errors.job.interrupted' },
    });
    expect(of(events, 'failed', ids.bob as string)).toHaveLength(1);
    expect(store.get(ids.cid as string)?.status).toBe('cancelled');
    expect(of(events, 'cancelled', ids.cid as string)).toHaveLength(1);
    expect(of(events, 'started', ids.cid as string)).toEqual([]);
    expect(logged.filter((m) => m.includes('the last process left running')).length).toBe(2);
    expect(queue.submit(input('dan', 'a boat')).ok).toBe(true);
  });

  it('recovers at the first submission the database takes, before the worker starts', () => {
    const { dir, ids } = leftRunning({ ann: {} });
    const { store, queue } = startFull(dir);
    expect(store.get(ids.ann as string)?.status).toBe('running');
    store.full = false;
    const submitted = queue.submit(input('dan', 'a boat'));
    expect(submitted.ok).toBe(true);
    // The left job keeps its place ahead of the new one.
    expect(store.get(ids.ann as string)?.status).toBe('queued');
    expect(queue.plannedOrder().map((j) => j.id)[0]).toBe(ids.ann);
  });

  it("refunds a left job's charge once, however many tries the recovery took", () => {
    const control = leftRunning({ ann: {} });
    const store = new JobStore(control.dir);
    const normal = new JobQueue({ store, engine: new TimedEngineDouble(), limits: queueLimits() });
    expect(normal.submit(input('dan', 'a boat')).ok).toBe(true);
    const expected = store.counters().get('web:ann');
    expect(expected).toBeTypeOf('number');
    store.close();

    const { dir } = leftRunning({ ann: {} });
    const full = startFull(dir);
    for (let i = 0; i < 3; i++) expect(full.queue.submit(input('dan', 'a boat')).ok).toBe(false);
    full.store.full = false;
    expect(full.queue.submit(input('dan', 'a boat')).ok).toBe(true);
    expect(full.store.counters().get('web:ann')).toBe(expected);
  });

  it('leaves the left jobs to the next start when it stops before the disk has room, which runs each once', async () => {
    const { dir, ids } = leftRunning({ ann: {} });
    const full = startFull(dir);
    full.queue.start();
    await full.queue.stop({ waitMs: 2000 });
    full.store.close();
    expect(full.engine.started).toEqual([]);

    const store = new JobStore(dir);
    const engine = new TimedEngineDouble();
    const next = new JobQueue({ store, engine, limits: queueLimits() });
    open.push(next);
    expect(store.get(ids.ann as string)).toMatchObject({ status: 'queued', attempts: 1 });
    next.start();
    await waitUntil(() => store.get(ids.ann as string)?.status === 'done', "ann's job is done", 5000);
    expect(engine.started).toHaveLength(1);
  });
});
