// JobQueue.stop: intake stops at once, a running job that finishes within the grace is done, one that does not is
// aborted and put back into the queue as if it had never started (attempt and fairness charge undone).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import type { JobEvent } from '../../src/jobs/events.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { JobStore } from '../../src/jobs/store.js';
import { waitUntil } from '../doubles/shared/wait.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';
import { queueLimits } from './queue-limits.js';

function setup(engine: TimedEngineDouble) {
  const store = new JobStore(mkdtempSync(join(tmpdir(), 'dimoo-stop-')));
  const queue = new JobQueue({
    store,
    engine,
    limits: queueLimits({ maxPerUser: 5 }),
  });
  const events: JobEvent[] = [];
  queue.subscribe((e) => events.push(e));
  const submit = () => {
    const result = queue.submit({
      owner: { platform: 'web', userId: 'ann' },
      scope: 'playground',
      kind: 'imagine',
      request: { task: 'text_to_image', prompt: 'a fox', width: 256, height: 256 },
    });
    if (!result.ok) throw new Error(result.refusal.key);
    return result.job;
  };
  return { store, queue, events, submit };
}

describe('stopping the queue', () => {
  it('lets a job that ends within the grace finish, and refuses new jobs meanwhile', async () => {
    const { store, queue, events, submit } = setup(new TimedEngineDouble(20, 5));
    const job = submit();
    queue.start();
    await waitUntil(() => events.some((e) => e.type === 'started'), 'the job started');
    const stopping = queue.stop({ waitMs: 5000 });
    const refused = queue.submit({
      owner: { platform: 'web', userId: 'bob' },
      scope: 'playground',
      kind: 'imagine',
      request: { task: 'text_to_image', prompt: 'late', width: 256, height: 256 },
    });
    expect(refused).toEqual({ ok: false, refusal: { key: 'errors.queue.stopping', params: {} } });
    await stopping;
    expect(store.get(job.id)?.status).toBe('done');
    store.close();
  });

  it('stopped without a bound, waits for the running job as long as SHUTDOWN_GRACE_S unset does: one default', async () => {
    const { store, queue, events, submit } = setup(new TimedEngineDouble(20, 5));
    submit();
    queue.start();
    await waitUntil(() => events.some((e) => e.type === 'started'), 'the job started');
    // The grace's bound is its timer (within.ts).
    const timers = vi.spyOn(globalThis, 'setTimeout');
    await queue.stop();
    const grace = loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), 'dimoo-stop-')) }).queue.shutdownGraceMs;
    expect(timers.mock.calls.map((call) => call[1])).toContain(grace);
    timers.mockRestore();
    store.close();
  });

  it('puts a job still running after the grace back into the queue, attempt and charge undone', async () => {
    const { store, queue, events, submit } = setup(new TimedEngineDouble(50, 1000));
    const before = store.counters().get('web:ann') ?? 0;
    const job = submit();
    const counterAtSubmit = store.counters().get('web:ann') ?? before;
    queue.start();
    await waitUntil(() => events.some((e) => e.type === 'started'), 'the job started');
    expect(store.get(job.id)?.attempts).toBe(1);
    await queue.stop({ waitMs: 100 });
    expect(store.get(job.id)).toMatchObject({ status: 'queued', attempts: 0 });
    expect(store.get(job.id)?.startedAt).toBeUndefined();
    expect(store.counters().get('web:ann')).toBeCloseTo(counterAtSubmit);
    expect(events.some((e) => e.type === 'failed' || e.type === 'cancelled')).toBe(false);
    // Calling stop again is the same stop; the database closes after it.
    await queue.stop();
    store.close();
  });

  it('tells the owner of the job put back, and of each waiting job, that the bot restarts: their last events', async () => {
    const { store, queue, events, submit } = setup(new TimedEngineDouble(50, 1000));
    const running = submit();
    const waiting = [submit(), submit()];
    queue.start();
    await waitUntil(() => events.some((e) => e.type === 'progress'), 'the job runs');
    await queue.stop({ waitMs: 100 });
    const lastOf = (id: string) => events.filter((e) => e.job.id === id).at(-1);
    expect(lastOf(running.id)).toMatchObject({ type: 'paused', restarts: true });
    for (const job of waiting) expect(lastOf(job.id)).toMatchObject({ type: 'paused', restarts: false });
    // One each: no position ("starting now") after it, which the next start's worker would contradict.
    expect(events.filter((e) => e.type === 'paused')).toHaveLength(3);
    store.close();
  });

  it('tells the waiting jobs even when the running one finishes within the grace', async () => {
    const { store, queue, events, submit } = setup(new TimedEngineDouble(20, 5));
    const done = submit();
    const waiting = submit();
    queue.start();
    await waitUntil(() => events.some((e) => e.type === 'started'), 'the job started');
    await queue.stop({ waitMs: 5000 });
    expect(store.get(done.id)?.status).toBe('done');
    expect(events.filter((e) => e.job.id === waiting.id).at(-1)).toMatchObject({
      type: 'paused',
      restarts: false,
    });
    store.close();
  });
});
