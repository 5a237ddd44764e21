// The shared queue's fair share follows local mode's floor rule (src/jobs/fair-counters.ts) in Redis
// (shared-fairness.ts): a user new in, or returning to, an empty queue starts at the floor, idle users at or below
// it are trimmed from the `counters` hash, and every step decides as a single process's FairCounters does.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../engine/testing/mulberry32.js';
import { removeAllKeys, SharedState } from '../../../src/jobs/distributed/shared-state.js';
import { FairCounters } from '../../../src/jobs/fair-counters.js';
import { newJob } from '../../../src/jobs/job-parts.js';
import { JobQueue } from '../../../src/jobs/queue.js';
import { charge } from '../../../src/jobs/scheduler.js';
import { JobStore } from '../../../src/jobs/store.js';
import { type Job, type Owner, ownerKey } from '../../../src/jobs/types.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import {
  type Cluster,
  LIMITS,
  REDIS_URL,
  skipWithoutRedis,
  startCluster,
  uniquePrefix,
  until,
} from './redis-harness.js';

const skip = await skipWithoutRedis();

const owner = (id: string): Owner => ({ platform: 'discord', userId: id });
const input = (user: string) => ({
  owner: owner(user),
  scope: 'guild:1',
  kind: 'imagine' as const,
  request: { task: 'text_to_image' as const, prompt: user, width: 256, height: 256 },
});

let cluster: Cluster | undefined;
let local: { queue: JobQueue; store: JobStore } | undefined;
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  await local?.queue.stop({ waitMs: 0, abortWaitMs: 5000 });
  local?.store.close();
  local = undefined;
  await cluster?.close();
  cluster = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function hash(state: SharedState): Promise<Map<string, number>> {
  const kept = await state.redis.hgetall(state.key('counters'));
  return new Map(Object.entries(kept).map(([user, c]) => [user, Number(c)]));
}

async function floorOf(state: SharedState): Promise<number> {
  return Number((await state.redis.get(state.key('floor'))) ?? 0);
}

describe.skipIf(skip)('distributed fair share: the floor', { timeout: 60_000 }, () => {
  it('decides as one process: a newcomer to an empty queue starts at the floor, a forgotten user comes back there', async () => {
    // One worker, one job at a time, 3 steps of 500 ms, in both modes.
    cluster = await startCluster({ frontEnds: 1, workers: 1, msPerStep: 500, maxBatch: 1 });
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const { probe } = cluster;
    const store = new JobStore(mkdtempSync(join(tmpdir(), 'dimoo-local-')));
    const queue = new JobQueue({ store, engine: new TimedEngineDouble(500, 3), limits: LIMITS });
    local = { queue, store };
    queue.start();
    const both = (user: string) => ({
      shared: ok(fe.queue.submit(input(user))),
      local: ok(queue.submit(input(user))),
    });
    const ended = (jobs: { shared: Job; local: Job }) =>
      until(
        () =>
          fe.events.some((e) => e.job.id === jobs.shared.id && e.type === 'done') &&
          queue.get(jobs.local.id)?.status === 'done' &&
          queue.waitPlan().running.length === 0,
        15_000,
        'the job done in both modes',
      );
    const running = (jobs: { shared: Job; local: Job }) =>
      until(
        () =>
          fe.events.some((e) => e.job.id === jobs.shared.id && e.type === 'started') &&
          queue.get(jobs.local.id)?.status === 'running',
        15_000,
        'the job running in both modes',
      );

    // `h` works alone twice: each time the last to leave, so the floor rises to their counter and they are let go.
    const first = both('h');
    const cost = first.shared.estimatedCost;
    expect(first.local.estimatedCost).toBe(cost);
    await ended(first);
    expect(await floorOf(probe)).toBe(cost);
    expect(store.fairnessFloor()).toBe(cost);
    expect([...(await hash(probe)).keys()]).toEqual([]);
    await ended(both('h'));
    expect(await floorOf(probe)).toBe(2 * cost);
    expect(store.fairnessFloor()).toBe(2 * cost);

    // `n`, never seen, finds the queue empty: at the floor, not at 0 (where the shared queue once put them, ahead of
    // `h` until they had caught up with `h`'s whole history).
    const n1 = both('n');
    await running(n1);
    expect((await hash(probe)).get('discord:n')).toBe(3 * cost);
    expect(store.counters().get('discord:n')).toBe(3 * cost);
    // While n1 runs: `h` comes back (forgotten, so from the floor, lifted to n's counter), then n queues again.
    const h3 = both('h');
    const n2 = both('n');
    await fe.queue.flush();
    await until(() => fe.queue.shared.queued.length === 2, 5000, 'the mirror to hold both');
    const shared = await hash(probe);
    expect(shared.get('discord:h')).toBe(3 * cost);
    expect(store.counters().get('discord:h')).toBe(3 * cost);
    // Equal counters, so the earlier submission first, in both modes (with n at 0, n2 went first).
    const order = (jobs: Job[]) => jobs.map((j) => j.owner.userId);
    expect(order(queue.plannedOrder())).toEqual(['h', 'n']);
    expect(order(fe.queue.plannedOrder())).toEqual(['h', 'n']);
    expect(fe.queue.positionOf(h3.shared.id).ahead).toBe(queue.positionOf(h3.local.id).ahead);
    expect(fe.queue.positionOf(n2.shared.id).ahead).toBe(queue.positionOf(n2.local.id).ahead);

    await ended(n2);
    await ended(h3);
    // The same users kept, at the same counters, over the same floor.
    expect(await floorOf(probe)).toBe(store.fairnessFloor());
    expect([...(await hash(probe))].sort()).toEqual([...store.counters()].sort());
  });

  it('trims the counters kept from before the floor once a job ends, keeping those with a debt', async () => {
    const prefix = uniquePrefix();
    const seed = new SharedState(REDIS_URL, prefix);
    cleanups.push(async () => {
      await removeAllKeys(seed.redis, prefix);
      await seed.close();
    });
    // 2000 users of a queue from before the floor: every user ever seen, never let go.
    const old: Record<string, string> = {};
    for (let i = 0; i < 2000; i++) old[`discord:old${i}`] = String(i * 1000);
    await seed.redis.hset(seed.key('counters'), old);
    cluster = await startCluster({ frontEnds: 1, workers: 1, prefix });
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const result = fe.queue.submit(input('new'));
    const job = ok(result);
    await until(() => fe.events.some((e) => e.job.id === job.id && e.type === 'done'), 10_000, 'done');
    // Alone in an empty queue: from the floor (0), and the floor is where they left.
    const floor = job.estimatedCost;
    expect(await floorOf(cluster.probe)).toBe(floor);
    const kept = await hash(cluster.probe);
    const above = Object.entries(old).filter(([, c]) => Number(c) > floor);
    expect(kept.size).toBe(above.length);
    expect(kept.size).toBeLessThan(2000);
    for (const [user, c] of above) expect(kept.get(user)).toBe(Number(c));
    // The front-end's mirror holds only those.
    await until(() => fe.queue.shared.counters.size === above.length, 5000, 'the mirror trimmed');
  });

  it('keeps the same floor and counters as FairCounters through lifts, claims, refunds, put-backs and cancels', async () => {
    const prefix = uniquePrefix();
    const state = new SharedState(REDIS_URL, prefix);
    const store = new JobStore(mkdtempSync(join(tmpdir(), 'dimoo-fair-')));
    cleanups.push(async () => {
      await removeAllKeys(state.redis, prefix);
      await state.close();
      store.close();
    });
    const fair = new FairCounters(store);
    const random = mulberry32(20261206);
    const waiting = new Map<string, Job>();
    const handedOut = new Map<string, Job>();
    const activeNow = () => {
      const active = new Map<string, number>();
      for (const job of waiting.values()) active.set(ownerKey(job.owner), 0);
      for (const job of handedOut.values()) {
        const user = ownerKey(job.owner);
        active.set(user, (active.get(user) ?? 0) + job.estimatedCost);
      }
      return active;
    };
    const pickOne = (jobs: Map<string, Job>) => [...jobs.values()][Math.floor(random() * jobs.size)] as Job;
    let seq = 0;
    for (let turn = 0; turn < 400; turn++) {
      const roll = random();
      if (roll < 0.35 || (waiting.size === 0 && handedOut.size === 0)) {
        const user = `u${Math.floor(random() * 6)}`;
        const job = newJob(input(user), {
          id: `j${++seq}`,
          seq,
          estimatedCost: 1 + Math.floor(random() * 100) + random(),
          defaultPriority: 'normal',
          createdAt: 0,
        });
        if (!activeNow().has(ownerKey(job.owner))) fair.lift(ownerKey(job.owner), activeNow().keys());
        await state.enqueue(job, {}, 'fe');
        waiting.set(job.id, job);
      } else if (roll < 0.6 && waiting.size > 0) {
        const job = pickOne(waiting);
        expect(await state.claimRun(`run-${job.id}`, [job])).toEqual([job.id]);
        waiting.delete(job.id);
        handedOut.set(job.id, job);
        charge(fair.counters, ownerKey(job.owner), job.estimatedCost);
      } else if (roll < 0.85 && handedOut.size > 0) {
        // Done, or ended part-way (cancelled, failed): the share that did not run is refunded.
        const job = pickOne(handedOut);
        const unused = random() < 0.5 ? 0 : job.estimatedCost * random();
        handedOut.delete(job.id);
        expect(await state.finish({ ...job, status: 'done' }, unused)).toBe(true);
        charge(fair.counters, ownerKey(job.owner), -unused);
        fair.settle(activeNow(), [ownerKey(job.owner)]);
      } else if (roll < 0.92 && handedOut.size > 0) {
        const job = pickOne(handedOut);
        handedOut.delete(job.id);
        expect(await state.putBack(job)).toBe(true);
        waiting.set(job.id, job);
        charge(fair.counters, ownerKey(job.owner), -job.estimatedCost);
        fair.settle(activeNow(), [ownerKey(job.owner)]);
      } else if (waiting.size > 0) {
        const job = pickOne(waiting);
        expect(await state.unqueue(job)).toBe(true);
        waiting.delete(job.id);
        fair.settle(activeNow(), [ownerKey(job.owner)]);
      }
      expect(await floorOf(state)).toBe(fair.floor);
      expect([...(await hash(state))].sort()).toEqual([...fair.counters].sort());
    }
    // The turns went through empty queues, forgetting and coming back, not only one long backlog.
    expect(fair.floor).toBeGreaterThan(0);
  });
});

function ok(result: ReturnType<JobQueue['submit']>): Job {
  if (!result.ok) throw new Error(`refused: ${result.refusal.key}`);
  return result.job;
}
