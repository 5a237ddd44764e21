// A waiting job's Cancel is answered "cancelled" at once, before its write reaches Redis (front-cancel.ts). Until
// the job's end arrives, its message must not say otherwise: no new place in the queue while a write Redis refused
// is tried again, and no steps of a run a worker began just as the cancel came (it says it is stopping, as a
// running job's does, until "Cancelled.").
import { describe, expect, it } from 'vitest';
import { renderEvent } from '../../../commands/render.js';
import type { SharedState } from '../../../src/jobs/distributed/shared-state.js';
import type { JobEvent } from '../../../src/jobs/events.js';
import type { Job, Owner } from '../../../src/jobs/types.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import {
  type Cluster,
  clustersClosedAfterEach,
  refuseWrite,
  skipWithoutRedis,
  submitImagine,
  until,
} from './redis-harness.js';

const skip = await skipWithoutRedis();
const owner: Owner = { platform: 'discord', userId: 'announced' };
const user = (userId: string): Owner => ({ platform: 'discord', userId });

const startCluster = clustersClosedAfterEach();

/** Test double: a slow Redis, whose answer to the unqueue of job `id` comes when the test says (`release`). */
function delayUnqueueOf(state: SharedState, id: string) {
  const real = state.unqueue.bind(state);
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  state.unqueue = async (job: Job) => {
    if (job.id === id) await released;
    return real(job);
  };
  return release;
}

const renderDeps = { store: { readFile: () => Buffer.alloc(0) }, defaultLocale: 'en' as const, now: () => 0 };

const of = (events: JobEvent[], id: string) => events.filter((e) => e.job.id === id);

describe.skipIf(skip)('a waiting job answered "cancelled"', { timeout: 30_000 }, () => {
  it('is told no new place while Redis refuses its cancel', async () => {
    const cluster = await startCluster({ frontEnds: 1, workers: 0 });
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const first = submitImagine(fe, user('first'), 'a fox');
    const second = submitImagine(fe, user('second'), 'an owl');
    const job = submitImagine(fe, owner, 'a wren');
    await fe.queue.flush();
    await until(() => fe.queue.shared.queued.some((j) => j.id === job.id), 5000, 'the mirror to list it');
    expect(fe.queue.positionOf(job.id).ahead).toBe(2);

    refuseWrite(fe.state, 'unqueue', { jobId: job.id });
    expect(fe.queue.cancel(job.id, owner)).toBe('cancelled');
    const told = of(fe.events, job.id).length;
    // A job ahead of it leaves: every other waiting job moves up and is told so.
    expect(fe.queue.cancel(first.id, user('first'))).toBe('cancelled');
    await until(() => !fe.queue.shared.queued.some((j) => j.id === first.id), 5000, 'the first job gone');
    await until(() => fe.queue.positionOf(second.id).ahead === 0, 5000, 'the second job to move up');
    // The cancel's write is tried again meanwhile (500 ms, then 1 s).
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(of(fe.events, job.id).slice(told)).toEqual([]);
  });

  it('is not listed, nor counted ahead of others, while Redis refuses its cancel', async () => {
    const cluster = await startCluster({ frontEnds: 1, workers: 0 });
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const first = submitImagine(fe, user('first'), 'a fox');
    const job = submitImagine(fe, owner, 'a wren');
    const behind = submitImagine(fe, user('behind'), 'an owl');
    await fe.queue.flush();
    await until(() => fe.queue.shared.queued.length === 3, 5000, 'the mirror to list them');
    expect(fe.queue.positionOf(behind.id).ahead).toBe(2);

    refuseWrite(fe.state, 'unqueue', { jobId: job.id });
    expect(fe.queue.cancel(job.id, owner)).toBe('cancelled');
    // Still in Redis's list: the cancel's write is being tried again.
    expect(fe.queue.shared.queued.some((j) => j.id === job.id)).toBe(true);
    // What /queue lists (commands/queue/handler.ts): no line with a place, an ETA and a Cancel for it.
    expect(fe.queue.plannedOrder().map((j) => j.id)).toEqual([first.id, behind.id]);
    expect(fe.queue.waitPlan().starts.some((s) => s.job.id === job.id)).toBe(false);
    expect(fe.queue.positionOf(behind.id).ahead).toBe(1);
    // Answered as the first time.
    expect(fe.queue.cancel(job.id, owner)).toBe('cancelled');
  });

  it('that a worker took just as the cancel came says it is stopping, never its steps, until Cancelled', async () => {
    const cluster = await startCluster({
      frontEnds: 1,
      workers: 0,
      engine: () => new TimedEngineDouble(50, 40),
    });
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const job = submitImagine(fe, owner, 'a heron');
    await fe.queue.flush();
    await until(() => fe.queue.shared.queued.some((j) => j.id === job.id), 5000, 'the mirror to list it');

    // The cancel's unqueue reaches Redis only after a worker has taken the job and reported its first steps.
    const release = delayUnqueueOf(fe.state, job.id);
    expect(fe.queue.cancel(job.id, owner)).toBe('cancelled');
    const told = of(fe.events, job.id).length;
    await cluster.addWorker();
    await until(() => of(fe.events, job.id).some((e) => e.type === 'progress'), 10_000, 'its steps');
    release();
    await until(() => of(fe.events, job.id).some((e) => e.type === 'cancelled'), 10_000, 'Cancelled');

    const after = of(fe.events, job.id).slice(told);
    const progress = after.filter((e) => e.type === 'progress');
    expect(progress.length).toBeGreaterThan(0);
    for (const event of progress) {
      const reply = await renderEvent(event, renderDeps);
      expect(reply.text).toEqual([{ key: 'cancel.stopping' }]);
    }
    expect(after.at(-1)?.type).toBe('cancelled');
  });
});
