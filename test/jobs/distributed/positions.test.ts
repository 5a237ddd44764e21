// A front-end of the shared queue tells a waiting job the same place and ETA as one process would in the same state
// (both through wait-plan.ts): the running run's remaining time first, jobs that would share one batched run placed
// together, one run's time for them and ready when it ends, and a job of another shape after that run (not between
// its members, whence it would jump back when they start together).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { calibrate } from '../../../src/jobs/distributed/shared-pace.js';
import { JobQueue } from '../../../src/jobs/queue.js';
import { JobStore } from '../../../src/jobs/store.js';
import type { Owner } from '../../../src/jobs/types.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { type Cluster, LIMITS, skipWithoutRedis, startCluster, until } from './redis-harness.js';

const skip = await skipWithoutRedis();

/** Milliseconds per cost unit in both modes: a 256² imagine about 4 s, a 512² one about 15 s. */
const PACE = 0.1;
const limits = { ...LIMITS, jobTimeoutMs: 600_000 };
const owner = (id: string): Owner => ({ platform: 'discord', userId: id });
/** In this order: a 512², a 256² of another user, then three more 512² of three more users. */
const WAITING = [
  ['a', 512],
  ['e', 256],
  ['b', 512],
  ['c', 512],
  ['d', 512],
] as const;

let cluster: Cluster | undefined;
let local: { queue: JobQueue; store: JobStore } | undefined;

afterEach(async () => {
  await local?.queue.stop({ waitMs: 0, abortWaitMs: 5000 });
  local?.store.close();
  local = undefined;
  await cluster?.close();
  cluster = undefined;
});

const input = (user: string, size: number) => ({
  owner: owner(user),
  scope: 'guild:1',
  kind: 'imagine' as const,
  request: { task: 'text_to_image' as const, prompt: `${user} ${size}`, width: size, height: size },
});

describe.skipIf(skip)('distributed queue: places and ETAs', { timeout: 60_000 }, () => {
  it('agree with one process’s: batched jobs together, one run’s time for them, the running run first', async () => {
    // One slow worker of max batch 4, as the one process's own.
    cluster = await startCluster({ frontEnds: 1, workers: 1, msPerStep: 3000, maxBatch: 4, limits });
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    await calibrate(cluster.probe, PACE);
    const store = new JobStore(mkdtempSync(join(tmpdir(), 'dimoo-local-')));
    store.setCalibration('cpu', PACE, 1);
    const queue = new JobQueue({ store, engine: new TimedEngineDouble(3000, 3), limits, maxBatch: 4 });
    local = { queue, store };
    queue.start();

    // The same state in both: one 256² job running, five waiting.
    const x = { shared: fe.queue.submit(input('x', 256)), local: queue.submit(input('x', 256)) };
    await until(
      () => fe.events.some((e) => e.type === 'started') && queue.get(okId(x.local))?.status === 'running',
      10_000,
      'the first job running in both',
    );
    const shared = WAITING.map(([user, size]) => okId(fe.queue.submit(input(user, size))));
    const mine = WAITING.map(([user, size]) => okId(queue.submit(input(user, size))));
    await fe.queue.flush();
    await until(() => fe.queue.shared.queued.length === 5, 5000, 'the mirror to hold the five');

    const there = shared.map((id) => fe.queue.positionOf(id));
    const here = mine.map((id) => queue.positionOf(id));
    // The four 512² jobs go as one run right after the running one; the 256² after all of them.
    expect(there.map((p) => p.ahead)).toEqual([1, 5, 1, 1, 1]);
    expect(here.map((p) => p.ahead)).toEqual([1, 5, 1, 1, 1]);
    expect(fe.queue.plannedOrder().map((j) => j.owner.userId)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(queue.plannedOrder().map((j) => j.owner.userId)).toEqual(['a', 'b', 'c', 'd', 'e']);
    const cost = (id: string) => fe.queue.get(id)?.estimatedCost ?? 0;
    const remaining = cost(okId(x.shared)) * PACE;
    const run = [0, 2, 3, 4].reduce((sum, i) => sum + cost(shared[i] as string) * PACE, 0);
    for (const [i, p] of there.entries()) {
      // Within the second or so between the two reads and the two starts.
      expect(Math.abs(p.etaMs - (here[i]?.etaMs ?? 0))).toBeLessThan(1500);
      // The running job's time left is in every ETA: the front-end once gave the first ones none.
      expect(p.etaMs).toBeGreaterThan(remaining - 3000);
      expect(p.etaMs).toBeLessThanOrEqual(remaining + (i === 1 ? run : 0));
    }
    expect(Math.abs((there[1]?.etaMs ?? 0) - (there[0]?.etaMs ?? 0) - run)).toBeLessThanOrEqual(1);
    // Each is ready when its run ends, in both modes: the four batched ones when theirs does (not their start plus
    // their own share), the 256² after its own time.
    const own = cost(shared[1] as string) * PACE;
    for (const place of [there, here])
      for (const [i, p] of place.entries())
        expect(Math.abs(p.endMs - p.etaMs - (i === 1 ? own : run))).toBeLessThanOrEqual(1);
    for (const [i, p] of there.entries())
      expect(Math.abs(p.endMs - (here[i]?.endMs ?? 0))).toBeLessThan(1500);
    // The running job's end, once, the same in both.
    const ends = [fe.queue.waitPlan(), queue.waitPlan()].map((plan) => plan.running.map((r) => r.endMs));
    expect(ends.map((e) => e.length)).toEqual([1, 1]);
    expect(Math.abs((ends[0]?.[0] ?? 0) - (ends[1]?.[0] ?? 0))).toBeLessThan(1500);
  });
});

function okId(result: ReturnType<JobQueue['submit']>): string {
  if (!result.ok) throw new Error(`refused: ${result.refusal.key}`);
  return result.job.id;
}
