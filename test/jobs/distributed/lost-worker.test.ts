// A worker killed mid-job (kill -9) stops answering: its job's owner hears it within about a heartbeat's expiry
// (paused, 'worker_lost'), long before BullMQ's stalled check retries the run on another worker, whose `started`
// then takes the message over. A killed worker here held its job lock 20 s, as production's 15 s, so that the retry
// comes well after the word. A worker stopping cleanly, still finishing its run out of the pool, is not lost.
import { describe, expect, it } from 'vitest';
import type { JobEvent } from '../../../src/jobs/events.js';
import type { Owner } from '../../../src/jobs/types.js';
import { type Child, clustersWithChildrenClosedAfterEach, killHard, spawnRole } from './children.js';
import {
  type Cluster,
  counterOf,
  skipWithoutRedis,
  submitImagine,
  uniquePrefix,
  until,
} from './redis-harness.js';

const skip = await skipWithoutRedis();
const owner: Owner = { platform: 'discord', userId: 'abandoned' };
const LOCK_MS = 20_000;

const startCluster = clustersWithChildrenClosedAfterEach();

interface Heard {
  event: JobEvent;
  at: number;
}

/** One front-end (of its cluster), and every event of its jobs with when it came. */
async function frontEnd(prefix: string) {
  const cluster = await startCluster({ frontEnds: 1, workers: 0, prefix });
  const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
  const heard: Heard[] = [];
  fe.queue.subscribe((event) => heard.push({ event, at: Date.now() }));
  return { cluster, fe, heard };
}

const submit = (fe: Cluster['frontEnds'][number], prompt: string) => submitImagine(fe, owner, prompt);

const spawnWorker = (prefix: string, lockMs = LOCK_MS, msPerStep = 300): Promise<Child> =>
  spawnRole('worker', prefix, msPerStep, 0, 1, lockMs);

/** The kill's word: within 10 s of it, before any later start, said once and as a lost worker's. */
async function expectToldOfLoss(heard: Heard[], id: string, killedAt: number): Promise<void> {
  const paused = () => heard.filter(({ event }) => event.job.id === id && event.type === 'paused');
  await until(() => paused().length > 0, 10_000, 'the paused event');
  const [word] = paused() as [Heard];
  expect(word.at - killedAt).toBeLessThan(10_000);
  expect(word.event).toMatchObject({ type: 'paused', restarts: true, reason: 'worker_lost' });
  expect(
    heard.some(({ event, at }) => event.job.id === id && event.type === 'started' && at > killedAt),
  ).toBe(false);
}

describe.skipIf(skip)('distributed queue: a worker lost mid-job', { timeout: 120_000 }, () => {
  it('tells the owner at once that the job starts again, then the other worker runs it', async () => {
    const prefix = uniquePrefix();
    const { cluster, fe, heard } = await frontEnd(prefix);
    // Slow steps: the run outlasts starting the other worker, whose short lock only makes its stalled check often.
    const first = await spawnWorker(prefix, LOCK_MS, 2500);
    const job = submit(fe, 'victim');
    const mine = () => heard.filter(({ event }) => event.job.id === job.id).map(({ event }) => event);
    await until(() => mine().some((e) => e.type === 'started'), 20_000, 'the start');
    const second = await spawnWorker(prefix, 2000);
    const killedAt = Date.now();
    killHard(first);
    await expectToldOfLoss(heard, job.id, killedAt);

    await until(() => mine().some((e) => e.type === 'done' || e.type === 'failed'), 60_000, 'the retry');
    const types = mine()
      .map((e) => e.type)
      .filter((type) => type !== 'position');
    const after = types.slice(types.indexOf('paused') + 1);
    expect(after[0]).toBe('started');
    expect(after.at(-1)).toBe('done');
    expect(types.filter((type) => type === 'paused')).toHaveLength(1);
    expect(first.runs).toEqual(['victim']);
    expect(second.runs).toEqual(['victim']);
    expect(fe.store.get(job.id)?.attempts).toBe(2);
    // Charged once for the one result.
    expect(await counterOf(cluster.probe, owner)).toBeCloseTo(job.estimatedCost, 6);
  });

  it('says the same with no other worker alive, and the job runs once one comes', async () => {
    const prefix = uniquePrefix();
    const { fe, heard } = await frontEnd(prefix);
    const a = await spawnWorker(prefix);
    const job = submit(fe, 'alone');
    const mine = () => heard.filter(({ event }) => event.job.id === job.id).map(({ event }) => event);
    await until(() => mine().some((e) => e.type === 'progress'), 20_000, 'progress');
    const killedAt = Date.now();
    killHard(a);
    await expectToldOfLoss(heard, job.id, killedAt);
    // Said with no worker alive at all (front-ends hear of that from the dispatcher's next pass).
    await until(() => !fe.queue.workersRunning, 5000, 'no live worker');

    // A short lock: its stalled check comes soon after the dead worker's lock runs out.
    const b = await spawnWorker(prefix, 2000);
    await until(() => mine().some((e) => e.type === 'done' || e.type === 'failed'), 60_000, 'the retry');
    expect(mine().at(-1)?.type).toBe('done');
    // The word is told again as the workers change (none left, then one), for its wording to follow; it is the
    // same word, and none comes after the retry's start.
    const types = mine().map((e) => e.type);
    const paused = mine().filter((e) => e.type === 'paused');
    expect(paused.every((e) => e.reason === 'worker_lost')).toBe(true);
    expect(types.lastIndexOf('paused')).toBeLessThan(types.indexOf('started', types.indexOf('paused')));
    expect(b.runs).toEqual(['alone']);
  });

  it('lets a worker cut off for a while and back take its job’s message over again as it goes on', async () => {
    const prefix = uniquePrefix();
    const { fe, heard } = await frontEnd(prefix);
    // 4 steps of 1.5 s; its 20 s lock outlives the cut, so the run stays its own.
    const worker = await spawnWorker(prefix, LOCK_MS, 1500);
    const job = submit(fe, 'frozen');
    const mine = () => heard.filter(({ event }) => event.job.id === job.id).map(({ event }) => event);
    await until(() => mine().some((e) => e.type === 'progress'), 20_000, 'a step');
    // Frozen (a stalled machine, a cut network) past its alive key's 6 s, then back.
    const stoppedAt = Date.now();
    worker.process.kill('SIGSTOP');
    try {
      await expectToldOfLoss(heard, job.id, stoppedAt);
    } finally {
      worker.process.kill('SIGCONT');
    }

    await until(() => mine().some((e) => e.type === 'done' || e.type === 'failed'), 30_000, 'the end');
    const types = mine()
      .map((e) => e.type)
      .filter((type) => type !== 'position');
    const after = types.slice(types.lastIndexOf('paused') + 1);
    // Its own steps follow the word, then its result: the status message shows it going on, not frozen.
    expect(after[0]).toBe('progress');
    expect(after.at(-1)).toBe('done');
    expect(types).not.toContain('failed');
    expect(types.filter((type) => type === 'started')).toHaveLength(1);
    expect(worker.runs).toEqual(['frozen']);
  });

  it('tells the owner again when a worker that came back to its run then dies', async () => {
    const prefix = uniquePrefix();
    const { fe, heard } = await frontEnd(prefix);
    // 4 steps of 4 s: the run goes on well after the cut.
    const worker = await spawnWorker(prefix, LOCK_MS, 4000);
    const job = submit(fe, 'twice');
    const mine = () => heard.filter(({ event }) => event.job.id === job.id).map(({ event }) => event);
    await until(() => mine().some((e) => e.type === 'progress'), 20_000, 'a step');
    worker.process.kill('SIGSTOP');
    try {
      await expectToldOfLoss(heard, job.id, Date.now());
    } finally {
      worker.process.kill('SIGCONT');
    }
    const told = mine().length;
    await until(
      () =>
        mine()
          .slice(told)
          .some((e) => e.type === 'progress'),
      15_000,
      'a step after the cut',
    );
    // Its next alive beat names it its run's again.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const killedAt = Date.now();
    const before = mine().length;
    killHard(worker);
    const paused = () =>
      mine()
        .slice(before)
        .filter((e) => e.type === 'paused');
    await until(() => paused().length > 0, 12_000, 'the word again');
    expect(Date.now() - killedAt).toBeLessThan(12_000);
    expect(paused()[0]).toMatchObject({ restarts: true, reason: 'worker_lost' });
  });

  it('does not take a worker finishing its run through a shutdown for a lost one', async () => {
    // 3 steps of 4 s: the run outlives a heartbeat's expiry after the worker left the pool.
    const cluster = await startCluster({ frontEnds: 1, workers: 1, msPerStep: 4000 });
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const worker = cluster.workers[0] as Cluster['workers'][number];
    const job = submit(fe, 'finishing');
    const mine = () => fe.events.filter((e) => e.job.id === job.id);
    await until(() => mine().some((e) => e.type === 'progress'), 20_000, 'a step');
    const closing = worker.worker.close(30_000);
    await until(() => mine().some((e) => e.type === 'done' || e.type === 'failed'), 30_000, 'the run to end');
    await closing;
    expect(mine().at(-1)?.type).toBe('done');
    expect(mine().some((e) => e.type === 'paused')).toBe(false);
  });
});
