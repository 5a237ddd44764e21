// A front-end answers "queued" once a submission's row is stored here, before Redis has it. When Redis refuses the
// job's write, the job never runs: its row must not stay queued here, its owner hears that it was not queued (not a
// bare "something went wrong"), and the rate-limit slot taken for it goes back. When Redis took the job and only
// telling the other processes fails, the job is queued and runs: its owner is never told it failed.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { FAIR_KEY_TYPES, fairKeys } from '../../../src/jobs/distributed/shared-fairness.js';
import type { SharedState } from '../../../src/jobs/distributed/shared-state.js';
import { AfterStored, NotStored } from '../../../src/jobs/not-stored.js';
import type { SubmitInput } from '../../../src/jobs/queue-types.js';
import { type Owner, ownerKey } from '../../../src/jobs/types.js';
import { clustersClosedAfterEach, refuseWrite, skipWithoutRedis, until } from './redis-harness.js';

// ioredis's own class (its redis-errors dependency, untyped here) for a command whose reply the closed connection lost.
const { AbortError } = createRequire(import.meta.url)('redis-errors') as {
  AbortError: new (message: string) => Error;
};

const skip = await skipWithoutRedis();
const owner: Owner = { platform: 'discord', userId: 'enqueue-refused' };
const startCluster = clustersClosedAfterEach();

function imagine(notQueued: () => void): SubmitInput {
  return {
    owner,
    scope: 'guild:1',
    kind: 'imagine',
    request: { task: 'text_to_image', prompt: 'a fox', width: 256, height: 256 },
    notQueued,
  };
}

/** Test double: Redis answering an error to the `changed` notice of job `id()` (once it is known). */
function refuseChangedNotice(state: SharedState, id: () => string | undefined) {
  const real = state.publish.bind(state);
  state.publish = async (name, message) => {
    if (name === 'changed' && (message as { id?: unknown }).id === id())
      throw new Error("OOM command not allowed when used memory > 'maxmemory'.");
    return real(name, message);
  };
}

/**
 * Test double: the connection closes with the job's script unanswered (ioredis does not resend it), after Redis ran it
 * (`ran`) or before it reached Redis.
 */
function loseEnqueueReply(state: SharedState, { ran }: { ran: boolean }) {
  const real = state.enqueue.bind(state);
  state.enqueue = async (...args) => {
    if (ran) await real(...args);
    throw new AbortError('Command aborted due to connection close');
  };
}

describe.skipIf(skip)('distributed queue: a submission Redis refuses', { timeout: 30_000 }, () => {
  it('ends failed here, tells its owner it was not queued, and gives its rate-limit slot back', async () => {
    const cluster = await startCluster({ frontEnds: 1, workers: 0 });
    const [fe] = cluster.frontEnds;
    if (!fe) throw new Error('no front-end');
    refuseWrite(fe.state, 'enqueue');
    let givenBack = 0;
    const result = fe.queue.submit(imagine(() => givenBack++));
    if (!result.ok) throw new Error(`refused: ${result.refusal.key}`);
    await fe.queue.flush();
    const id = result.job.id;
    expect(fe.store.get(id)).toMatchObject({ status: 'failed', error: { key: 'errors.job.not_queued' } });
    const heard = fe.events.filter((e) => e.job.id === id);
    expect(heard.map((e) => e.type)).toEqual(['queued', 'failed']);
    expect(heard[1]?.job.error?.key).toBe('errors.job.not_queued');
    expect(givenBack).toBe(1);
    // No place, no count: the user's next submission is not held against one that will never run.
    expect(fe.queue.plannedOrder().map((j) => j.id)).not.toContain(id);
    expect(await cluster.probe.getJob(id)).toBeUndefined();
  });

  it('a key it writes holding another program’s value: not queued, and nothing of it left in Redis', async () => {
    const cluster = await startCluster({ frontEnds: 1, workers: 0 });
    const [fe] = cluster.frontEnds;
    if (!fe) throw new Error('no front-end');
    // Its owner's waiting list is written after the record and files: a WRONGTYPE there came midway.
    await fe.state.redis.set(fe.state.key('wait', ownerKey(owner)), 'not a sorted set');
    const result = fe.queue.submit(imagine(() => undefined));
    if (!result.ok) throw new Error(`refused: ${result.refusal.key}`);
    await fe.queue.flush();
    const id = result.job.id;
    expect(fe.store.get(id)).toMatchObject({ status: 'failed', error: { key: 'errors.job.not_queued' } });
    expect(await fe.state.redis.exists(fe.state.key('job', id))).toBe(0);
    expect(await fe.state.redis.hexists(fe.state.key('owners'), id)).toBe(0);
  });

  it('the fairness keys’ types it checks are those the queue writes them as', async () => {
    const cluster = await startCluster({ frontEnds: 1, workers: 1 });
    const [fe] = cluster.frontEnds;
    if (!fe) throw new Error('no front-end');
    const result = fe.queue.submit(imagine(() => undefined));
    if (!result.ok) throw new Error(`refused: ${result.refusal.key}`);
    await until(() => fe.events.some((e) => e.type === 'done'), 20_000, 'the job to run');
    const keys = fairKeys(fe.state);
    expect(FAIR_KEY_TYPES).toHaveLength(keys.length);
    for (const [i, key] of keys.entries())
      expect([FAIR_KEY_TYPES[i], 'none']).toContain(await fe.state.redis.type(key));
  });

  it('a fairness key holding another program’s value: not queued, and nothing of it left in Redis', async () => {
    const cluster = await startCluster({ frontEnds: 1, workers: 0 });
    const [fe] = cluster.frontEnds;
    if (!fe) throw new Error('no front-end');
    await fe.state.redis.set(fe.state.key('dispatched'), 'not a hash');
    const result = fe.queue.submit(imagine(() => undefined));
    if (!result.ok) throw new Error(`refused: ${result.refusal.key}`);
    await fe.queue.flush();
    const id = result.job.id;
    expect(fe.store.get(id)).toMatchObject({ status: 'failed', error: { key: 'errors.job.not_queued' } });
    expect(await fe.state.redis.exists(fe.state.key('job', id))).toBe(0);
  });

  it('taken by Redis, with its notice refused: it stays queued and runs, never told failed', async () => {
    const cluster = await startCluster({ frontEnds: 1, workers: 1 });
    const [fe] = cluster.frontEnds;
    if (!fe) throw new Error('no front-end');
    let id: string | undefined;
    refuseChangedNotice(fe.state, () => id);
    let givenBack = 0;
    const result = fe.queue.submit(imagine(() => givenBack++));
    if (!result.ok) throw new Error(`refused: ${result.refusal.key}`);
    id = result.job.id;
    await fe.queue.flush();
    expect(fe.events.filter((e) => e.job.id === id && e.type === 'failed')).toEqual([]);
    expect(givenBack).toBe(0);
    // The dispatcher's own tick finds it without the notice.
    await until(() => fe.events.some((e) => e.job.id === id && e.type === 'done'), 20_000, 'the job to run');
    expect(fe.store.get(id)?.status).toBe('done');
    expect(fe.events.filter((e) => e.job.id === id && e.type === 'failed')).toEqual([]);
  });

  it('taken by Redis, its reply lost with the connection: read back, it runs and its owner gets the result', async () => {
    const cluster = await startCluster({ frontEnds: 1, workers: 1 });
    const [fe] = cluster.frontEnds;
    if (!fe) throw new Error('no front-end');
    loseEnqueueReply(fe.state, { ran: true });
    let givenBack = 0;
    const result = fe.queue.submit(imagine(() => givenBack++));
    if (!result.ok) throw new Error(`refused: ${result.refusal.key}`);
    const id = result.job.id;
    await fe.queue.flush();
    const ended = (e: { type: string; job: { id: string } }) =>
      e.job.id === id && (e.type === 'done' || e.type === 'failed');
    await until(() => fe.events.some(ended), 20_000, 'the job to end');
    expect(fe.events.filter(ended).map((e) => e.type)).toEqual(['done']);
    expect(fe.store.get(id)?.status).toBe('done');
    expect(givenBack).toBe(0);
  });

  it('its reply lost with the connection before Redis ran it: read back missing, it was not queued', async () => {
    const cluster = await startCluster({ frontEnds: 1, workers: 0 });
    const [fe] = cluster.frontEnds;
    if (!fe) throw new Error('no front-end');
    loseEnqueueReply(fe.state, { ran: false });
    let givenBack = 0;
    const result = fe.queue.submit(imagine(() => givenBack++));
    if (!result.ok) throw new Error(`refused: ${result.refusal.key}`);
    await fe.queue.flush();
    expect(fe.store.get(result.job.id)).toMatchObject({
      status: 'failed',
      error: { key: 'errors.job.not_queued' },
    });
    expect(givenBack).toBe(1);
  });

  it('its read-back failing too: read again in the background, it ends not queued rather than queued for ever', async () => {
    const cluster = await startCluster({ frontEnds: 1, workers: 0 });
    const [fe] = cluster.frontEnds;
    if (!fe) throw new Error('no front-end');
    loseEnqueueReply(fe.state, { ran: false });
    // Test double: the first read-back fails (Redis still away); the reconnection's catch-up has passed already.
    const realRead = fe.state.readJob.bind(fe.state);
    let reads = 0;
    fe.state.readJob = async (id) => {
      reads += 1;
      if (reads === 1) throw new Error('Connection is closed.');
      return realRead(id);
    };
    let givenBack = 0;
    const result = fe.queue.submit(imagine(() => givenBack++));
    if (!result.ok) throw new Error(`refused: ${result.refusal.key}`);
    const id = result.job.id;
    await fe.queue.flush();
    await until(() => fe.store.get(id)?.status !== 'queued', 20_000, 'the row to be settled');
    expect(fe.store.get(id)).toMatchObject({ status: 'failed', error: { key: 'errors.job.not_queued' } });
    expect(givenBack).toBe(1);
  });

  it('cancelled while its lost write is read back: it ends cancelled, never told failed after', async () => {
    const cluster = await startCluster({ frontEnds: 1, workers: 0 });
    const [fe] = cluster.frontEnds;
    if (!fe) throw new Error('no front-end');
    loseEnqueueReply(fe.state, { ran: false });
    // Test double: the read-back waits (Redis away) until the cancel was answered.
    const realRead = fe.state.readJob.bind(fe.state);
    let answer: () => void = () => undefined;
    const answered = new Promise<void>((resolve) => {
      answer = resolve;
    });
    let reading = false;
    fe.state.readJob = async (id) => {
      reading = true;
      await answered;
      return realRead(id);
    };
    const result = fe.queue.submit(imagine(() => undefined));
    if (!result.ok) throw new Error(`refused: ${result.refusal.key}`);
    const id = result.job.id;
    await until(() => reading, 10_000, 'the read-back');
    const cancel = fe.queue.cancel(id, owner, false);
    answer();
    await cancel;
    await fe.queue.flush();
    await until(() => fe.store.get(id)?.status !== 'queued', 20_000, 'the row to be settled');
    expect(fe.store.get(id)?.status).toBe('cancelled');
    expect(fe.events.filter((e) => e.job.id === id && e.type === 'failed')).toEqual([]);
  });

  it('stored, then telling its place fails: the throw names the job, which still reaches Redis', async () => {
    const cluster = await startCluster({ frontEnds: 1, workers: 0 });
    const [fe] = cluster.frontEnds;
    if (!fe) throw new Error('no front-end');
    // Test double: the front-end's place-telling fails (a private part, reached only here).
    const positions = (fe.queue as unknown as { positions: { told(id: string): unknown } }).positions;
    positions.told = () => {
      throw new Error('telling the place failed');
    };
    let thrown: unknown;
    try {
      fe.queue.submit(imagine(() => undefined));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AfterStored);
    const id = (thrown as AfterStored).job.id;
    await fe.queue.flush();
    expect(fe.store.get(id)?.status).toBe('queued');
    expect((await cluster.probe.getJob(id))?.status).toBe('queued');
  });

  it('working out its fairness lift fails: NotStored, and the held job it would replace is released', async () => {
    const cluster = await startCluster({ frontEnds: 1, workers: 0 });
    const [fe] = cluster.frontEnds;
    if (!fe) throw new Error('no front-end');
    const first = fe.queue.submit(imagine(() => undefined));
    if (!first.ok) throw new Error(`refused: ${first.refusal.key}`);
    await fe.queue.flush();
    const hold = fe.queue.hold([first.job.id], owner);
    // Test double: the front-end's lift fails (a private part, reached only here).
    (fe.queue as unknown as { liftOf(): unknown }).liftOf = () => {
      throw new Error('working out the lift failed');
    };
    let thrown: unknown;
    try {
      fe.queue.submit({ ...imagine(() => undefined), replaces: [first.job.id] });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(NotStored);
    expect(hold?.state).toBe('released');
  });
});
