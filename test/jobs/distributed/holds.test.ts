// Holds in the distributed queue (an edited Telegram request), on the real Redis: a held job keeps its place and its
// room but no dispatcher hands it out, in whichever process it runs, until the hold is released or runs out (its
// front-end gone mid-edit); the replacement cancels it as it is stored, and one the queue refuses leaves it
// waiting. The edits are made with the calls adapters/telegram/edits.ts makes: hold if the queue can, else cancel,
// then submit with `replaces`.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FrontQueue } from '../../../src/jobs/distributed/front-queue.js';
import { SharedState } from '../../../src/jobs/distributed/shared-state.js';
import type { JobEvent } from '../../../src/jobs/events.js';
import type { QueueLimits, SubmitInput } from '../../../src/jobs/queue-types.js';
import { JobStore } from '../../../src/jobs/store.js';
import { type Job, type Owner, ownerKey } from '../../../src/jobs/types.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import {
  type Cluster,
  eventually,
  LIMITS,
  REDIS_URL,
  skipWithoutRedis,
  startCluster,
  uniquePrefix,
  until,
} from './redis-harness.js';

const skip = await skipWithoutRedis();

let cluster: Cluster | undefined;
const closing: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
  await cluster?.close();
  cluster = undefined;
});

interface FrontEnd {
  queue: FrontQueue;
  events: JobEvent[];
  /** Stops it (once; afterEach stops the rest). */
  stop(): Promise<void>;
}

/** A front-end of the cluster's queue with its own limits and hold expiry (startCluster's take neither). */
async function frontEnd(limits: Partial<QueueLimits> = {}, holdTtlMs?: number): Promise<FrontEnd> {
  const prefix = (cluster as Cluster).prefix;
  const state = new SharedState(REDIS_URL, prefix);
  const store = new JobStore(mkdtempSync(join(tmpdir(), 'dimoo-hold-fe-')));
  const queue = new FrontQueue({
    state,
    url: REDIS_URL,
    store,
    engine: new TimedEngineDouble(),
    limits: { ...LIMITS, ...limits },
    leaseMs: 600,
    holdTtlMs,
  });
  const events: JobEvent[] = [];
  queue.subscribe((e) => events.push(e));
  await queue.connect();
  queue.start();
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= queue.stop();
    return stopped;
  };
  closing.push(async () => {
    await stop();
    store.close();
    await state.close();
  });
  return { queue, events, stop };
}

const user = (id: string): Owner => ({ platform: 'telegram', userId: id });
const input = (owner: Owner, prompt: string, replaces?: string[]): SubmitInput => ({
  owner,
  scope: `chat:${owner.userId}`,
  kind: 'imagine',
  request: { task: 'text_to_image', prompt, width: 256, height: 256 },
  ...(replaces ? { replaces } : {}),
});

async function submitted(fe: FrontEnd, owner: Owner, prompt: string): Promise<Job> {
  const result = fe.queue.submit(input(owner, prompt));
  if (!result.ok) throw new Error(`refused: ${result.refusal.key}`);
  await fe.queue.flush();
  return result.job;
}

/** What edits.ts does before handling the edited message: hold the old jobs, or cancel them where it cannot. */
function startEdit(fe: FrontEnd, job: Job) {
  const hold = fe.queue.hold?.([job.id], job.owner);
  if (!hold) fe.queue.cancel(job.id, job.owner, false);
  return hold;
}

const probe = () => (cluster as Cluster).probe;
const waiting = async (job: Job) =>
  (await probe().redis.zscore(probe().key('wait', ownerKey(job.owner)), job.id)) !== null;
const heldInRedis = async (job: Job) => (await probe().redis.exists(probe().key('hold', job.id))) === 1;
const statusOf = async (job: Job) => (await probe().getJob(job.id))?.status;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(skip)('distributed queue: holds', { timeout: 60_000 }, () => {
  it('a held job is not handed to a free worker, however long the hold lasts; released, it runs', async () => {
    cluster = await startCluster({ frontEnds: 0, workers: 0, prefix: uniquePrefix() });
    // Renewed every 200 ms: the hold lasts past several expiries while its front-end lives.
    const fe = await frontEnd({}, 600);
    const old = await submitted(fe, user('a'), 'a cta');
    const hold = startEdit(fe, old);
    expect(hold?.state).toBe('held');
    await eventually(() => heldInRedis(old), 5000, 'the hold in Redis');
    await cluster.addWorker();
    // The worker is free and takes another user's job: the dispatcher passes over the held one.
    const other = await submitted(fe, user('b'), 'b');
    await until(() => fe.events.some((e) => e.job.id === other.id && e.type === 'done'), 15_000, 'b done');
    await sleep(2000);
    expect(await statusOf(old)).toBe('queued');
    expect(await waiting(old)).toBe(true);
    expect(fe.events.some((e) => e.job.id === old.id && e.type === 'started')).toBe(false);
    hold?.release();
    expect(hold?.state).toBe('released');
    await until(() => fe.events.some((e) => e.job.id === old.id && e.type === 'done'), 15_000, 'old done');
    expect(await heldInRedis(old)).toBe(false);
  });

  it('a hold its front-end stopped renewing (gone mid-edit) runs out, and a worker gets the job', async () => {
    cluster = await startCluster({ frontEnds: 0, workers: 0, prefix: uniquePrefix() });
    const dispatching = await frontEnd();
    const gone = await frontEnd({}, 1500);
    const old = await submitted(gone, user('a'), 'a cta');
    startEdit(gone, old);
    await eventually(() => heldInRedis(old), 5000, 'the hold in Redis');
    await cluster.addWorker();
    // Gone without a word: no release, no renewal; the other front-end's dispatcher takes over.
    await gone.stop();
    const left = await probe().redis.pttl(probe().key('hold', old.id));
    const stoppedAt = Date.now();
    expect(left).toBeGreaterThan(0);
    await sleep(Math.max(0, left - 400));
    expect(await waiting(old)).toBe(true);
    await eventually(async () => (await statusOf(old)) === 'done', 15_000, 'the old job to run');
    const ran = (await probe().getJob(old.id)) as Job;
    expect(ran.startedAt).toBeGreaterThanOrEqual(stoppedAt + left - 50);
    expect(dispatching.events.some((e) => e.job.id === old.id)).toBe(false);
  });

  it('an edit whose replacement the caps refuse leaves the old job waiting in its place; it runs', async () => {
    cluster = await startCluster({ frontEnds: 0, workers: 0, prefix: uniquePrefix() });
    const fe = await frontEnd({ maxTotal: 2 });
    // Another front-end (a larger cap, or a mirror behind Redis) fills the queue past this one's cap meanwhile.
    const elsewhere = await frontEnd();
    const old = await submitted(fe, user('a'), 'a cta');
    const hold = startEdit(fe, old);
    await submitted(elsewhere, user('b'), 'b');
    await submitted(elsewhere, user('c'), 'c');
    const shown = () =>
      fe.queue.plannedOrder().map((j) => j.request.task === 'text_to_image' && j.request.prompt);
    await until(() => shown().includes('b') && shown().includes('c'), 5000, 'the mirror to show the queue');
    const refused = fe.queue.submit(input(user('a'), 'a cat', [old.id]));
    expect(refused.ok ? undefined : refused.refusal.key).toBe('errors.queue.full');
    await fe.queue.flush();
    expect(await statusOf(old)).toBe('queued');
    expect(hold?.state).toBe('released');
    expect(fe.queue.get(old.id)?.status).toBe('queued');
    await eventually(async () => !(await heldInRedis(old)), 5000, 'the hold released');
    expect(await waiting(old)).toBe(true);
    expect(fe.queue.plannedOrder()[0]?.id).toBe(old.id);
    await cluster.addWorker();
    await until(() => fe.events.some((e) => e.job.id === old.id && e.type === 'done'), 15_000, 'old done');
    expect(fe.events.some((e) => e.type === 'cancelled')).toBe(false);
  });

  it('the admitted replacement takes the held job’s room and cancels it in the write that stores it', async () => {
    cluster = await startCluster({ frontEnds: 0, workers: 0, prefix: uniquePrefix() });
    const fe = await frontEnd({ maxTotal: 2 });
    const old = await submitted(fe, user('a'), 'a cta');
    const hold = startEdit(fe, old);
    await submitted(fe, user('b'), 'b');
    // Held, the job still takes its room for everyone else.
    expect(fe.queue.submit(input(user('c'), 'c')).ok).toBe(false);
    expect(fe.queue.submit(input(user('b'), 'b2', [old.id])).ok).toBe(false);
    const next = fe.queue.submit(input(user('a'), 'a cat', [old.id]));
    if (!next.ok) throw new Error(`refused: ${next.refusal.key}`);
    expect(hold?.state).toBe('replaced');
    // Its place is taken: the queue is as full as before.
    expect(fe.queue.submit(input(user('c'), 'c')).ok).toBe(false);
    await fe.queue.flush();
    expect(await statusOf(old)).toBe('cancelled');
    expect(await waiting(old)).toBe(false);
    expect(await heldInRedis(old)).toBe(false);
    expect(await waiting(next.job)).toBe(true);
    await until(
      () => fe.events.some((e) => e.job.id === old.id && e.type === 'cancelled'),
      5000,
      'cancelled',
    );
    await cluster.addWorker();
    await until(() => fe.events.some((e) => e.job.id === next.job.id && e.type === 'done'), 15_000, 'done');
    expect(fe.events.filter((e) => e.job.id === old.id).map((e) => e.type)).toEqual(['queued', 'cancelled']);
  });

  it('a job a worker claimed before the hold reached Redis is cancelled there by the replacement', async () => {
    cluster = await startCluster({ frontEnds: 0, workers: 0, prefix: uniquePrefix() });
    const fe = await frontEnd();
    // A refresh of the front-end's mirror may land between the claim and the edit (the leading dispatcher's first
    // pass announces the live workers): the front-end then rightly holds nothing, and the scene is set again.
    for (let attempt = 1; ; attempt += 1) {
      const old = await submitted(fe, user('a'), `a cta ${attempt}`);
      await until(() => fe.queue.plannedOrder().some((j) => j.id === old.id), 5000, 'the mirror');
      // Claimed without a word to the front-ends: this one still sees the job waiting when the edit comes.
      expect(await probe().claim((await probe().getJob(old.id)) as Job)).toBe(true);
      const hold = startEdit(fe, old);
      if (!hold && attempt < 5) continue;
      expect(hold?.state).toBe('held');
      const next = fe.queue.submit(input(user('a'), 'a cat', [old.id]));
      expect(next.ok).toBe(true);
      await fe.queue.flush();
      expect(await heldInRedis(old)).toBe(false);
      expect(await probe().cancelRequested(old.id)).toBe(true);
      return;
    }
  });

  it('a replacement meeting a foreign key midway cancels none of the held jobs, as its error says', async () => {
    cluster = await startCluster({ frontEnds: 0, workers: 0, prefix: uniquePrefix() });
    const fe = await frontEnd();
    const first = await submitted(fe, user('a'), 'a cta');
    const second = await submitted(fe, user('a'), 'a cat');
    await until(() => fe.queue.plannedOrder().length === 2, 5000, 'the mirror');
    const hold = fe.queue.hold?.([first.id, second.id], first.owner);
    expect(hold?.state).toBe('held');
    await eventually(
      async () => (await heldInRedis(first)) && (await heldInRedis(second)),
      5000,
      'the holds',
    );
    // Another program's key where the second job's hold is: met after the first job was cancelled, the failure
    // reported none cancelled, and the first job's owner never heard it was.
    const foreign = probe().key('hold', second.id);
    await probe().redis.multi().del(foreign).hset(foreign, 'not', 'ours').exec();
    const next = fe.queue.submit(input(user('a'), 'a dog', [first.id, second.id]));
    expect(next.ok).toBe(true);
    await fe.queue.flush();
    expect(await probe().getJob(next.ok ? next.job.id : '')).toMatchObject({ status: 'queued' });
    // What the reply says is what Redis holds: both old jobs still waiting, neither cancelled.
    expect(await waiting(first)).toBe(true);
    expect(await statusOf(first)).toBe('queued');
    expect(await waiting(second)).toBe(true);
    expect(fe.events.filter((e) => e.type === 'cancelled')).toEqual([]);
  });
});
