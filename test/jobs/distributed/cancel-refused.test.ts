// A cancel is answered at once ("Your job was cancelled.", "Stopping your job…"), before its write reaches Redis. When
// Redis refuses that write (an error reply: out of memory, a read-only replica), the answer must not be left standing
// as a false one: the write is tried again until it lands, and a job that ends meanwhile anyway says, with its result,
// that it finished before it could be stopped (`meta.cancelRequested`, commands/late-cancel.ts).
import { describe, expect, it } from 'vitest';
import type { SharedState } from '../../../src/jobs/distributed/shared-state.js';
import type { Owner } from '../../../src/jobs/types.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import {
  clustersClosedAfterEach,
  eventually,
  type FrontEndOnRedis,
  type RefusableWrite,
  refuseWrite,
  skipWithoutRedis,
  submitImagine,
  until,
} from './redis-harness.js';

const skip = await skipWithoutRedis();
const owner: Owner = { platform: 'discord', userId: 'refused' };
const ENDS = new Set(['done', 'failed', 'cancelled']);

const startCluster = clustersClosedAfterEach();

/** Test double: Redis answering an error to the first job event published (on a front-end's `events:` channel). */
function refuseEventPublish(state: SharedState) {
  const real = state.publish.bind(state);
  let left = 1;
  state.publish = async (name, message) => {
    if (name.startsWith('events:') && left-- > 0)
      throw new Error("OOM command not allowed when used memory > 'maxmemory'.");
    return real(name, message);
  };
}

/** One front-end, and a worker whose engine takes `msPerStep` a step (none: the job waits). */
async function start(worker?: { msPerStep: number }): Promise<FrontEndOnRedis> {
  const cluster = await startCluster({
    frontEnds: 1,
    workers: worker ? 1 : 0,
    engine: worker && (() => new TimedEngineDouble(worker.msPerStep, 8)),
  });
  return cluster.frontEnds[0] as FrontEndOnRedis;
}

/**
 * A waiting job cancelled while Redis refuses `write` once: answered "cancelled" at once, then its cancelled record
 * is written and its event heard.
 */
async function waitingCancelledDespite(write: RefusableWrite, prompt: string) {
  const fe = await start();
  const job = submitImagine(fe, owner, prompt);
  await fe.queue.flush();
  refuseWrite(fe.state, write, { times: 1 });
  expect(fe.queue.cancel(job.id, owner)).toBe('cancelled');
  await eventually(
    async () => (await fe.state.getJob(job.id))?.status === 'cancelled',
    5000,
    'the cancel written',
  );
  await until(() => fe.events.some((e) => e.type === 'cancelled' && e.job.id === job.id), 5000, 'its event');
  return { fe, job };
}

describe.skipIf(skip)('a cancel whose write Redis refuses', () => {
  it('of a waiting job, answered "cancelled", is written once Redis takes it: the job never runs', async () => {
    const { fe, job } = await waitingCancelledDespite('unqueue', 'a fox');
    expect(fe.store.get(job.id)?.status).toBe('cancelled');
  });

  it('of a waiting job already taken off its list when Redis refused the rest: that rest is written', async () => {
    await waitingCancelledDespite('saveJob', 'an owl');
  });

  // Saved as cancelled, the record reads as an end to the next try: the event and the change notice it did not get
  // to must still go out, or the owner's front-end hears of it only at its next start or reconnection.
  for (const refused of ['frontEndOf', 'publish'] as const) {
    it(`of a waiting job saved before Redis refused its ${refused}: the event still goes out`, async () => {
      const fe = await start();
      const job = submitImagine(fe, owner, `a wren ${refused}`);
      await fe.queue.flush();
      if (refused === 'publish') refuseEventPublish(fe.state);
      else refuseWrite(fe.state, refused, { times: 1 });
      const changed: string[] = [];
      const listener = fe.state.subscriber('cancel-refused-test');
      await listener.subscribe(fe.state.channel('changed'));
      listener.on('message', (_channel, message) => changed.push(message));
      try {
        expect(fe.queue.cancel(job.id, owner)).toBe('cancelled');
        await until(
          () => fe.events.some((e) => e.type === 'cancelled' && e.job.id === job.id),
          5000,
          'its event',
        );
        expect(fe.events.filter((e) => e.type === 'cancelled' && e.job.id === job.id)).toHaveLength(1);
        expect(fe.store.get(job.id)?.status).toBe('cancelled');
        await until(() => changed.some((m) => m.includes(job.id)), 5000, 'the change notice');
      } finally {
        await listener.quit();
      }
    });
  }

  it('of a running job is written once Redis takes it: the worker stops the job', async () => {
    const fe = await start({ msPerStep: 100 });
    const job = submitImagine(fe, owner, 'a crane');
    await until(() => fe.events.some((e) => e.type === 'progress' && e.job.id === job.id), 10_000, 'its run');
    refuseWrite(fe.state, 'markCancelRequested', { times: 1 });
    expect(fe.queue.cancel(job.id, owner)).toBe('cancelling');
    const end = () => fe.events.find((e) => ENDS.has(e.type) && e.job.id === job.id);
    await until(() => end() !== undefined, 10_000, 'its end');
    expect(end()?.type).toBe('cancelled');
  });

  it('of a running job that ends done before any write lands: its result says it was not stopped', async () => {
    const fe = await start({ msPerStep: 100 });
    const job = submitImagine(fe, owner, 'a heron');
    await until(() => fe.events.some((e) => e.type === 'progress' && e.job.id === job.id), 10_000, 'its run');
    refuseWrite(fe.state, 'markCancelRequested');
    expect(fe.queue.cancel(job.id, owner)).toBe('cancelling');
    await until(() => fe.events.some((e) => e.type === 'done' && e.job.id === job.id), 10_000, 'its end');
    const done = fe.events.find((e) => e.type === 'done' && e.job.id === job.id);
    // What commands/late-cancel.ts reads to add "It finished before it could be stopped." to the result.
    expect(done?.job.meta.cancelRequested).toBe(true);
  });
});
