// Batching on the shared queue: jobs of one `batchKey` waiting together go to a worker as one run, chosen fairly
// as the single-process queue chooses them, up to the smallest max batch the live workers advertise, and each
// job keeps its own events, cancel and charge.
import { describe, expect, it } from 'vitest';
import type { EngineRequest } from '../../../engine/index.js';
import type { Job, Owner } from '../../../src/jobs/types.js';
import {
  type Cluster,
  clustersClosedAfterEach,
  counterOf,
  eventually,
  skipWithoutRedis,
  submitImagine,
  until,
} from './redis-harness.js';

const skip = await skipWithoutRedis();
const alice: Owner = { platform: 'discord', userId: 'alice' };
const bob: Owner = { platform: 'discord', userId: 'bob' };
const TERMINAL = new Set(['done', 'failed', 'cancelled']);

const startCluster = clustersClosedAfterEach();

const submit = submitImagine;

const ended = (fe: Cluster['frontEnds'][number], id: string) =>
  fe.events.some((e) => e.job.id === id && TERMINAL.has(e.type));

const prompts = (requests: EngineRequest[]) => requests.map((r) => ('prompt' in r ? r.prompt : r.task));

/** Waits until every submission is in Redis, so that a worker joining now sees them all waiting. */
async function flushed(c: Cluster): Promise<void> {
  await Promise.all(c.frontEnds.map(({ queue }) => queue.flush()));
}

describe.skipIf(skip)('distributed queue: batches', { timeout: 30_000 }, () => {
  it('runs waiting jobs of one shape as one batch, in fair order, each job’s events on its own front-end', async () => {
    const cluster = await startCluster({
      frontEnds: 2,
      workers: 0,
      maxBatch: 4,
      limits: { maxRunningPerUser: 4 },
    });
    const [one, two] = cluster.frontEnds as [Cluster['frontEnds'][number], Cluster['frontEnds'][number]];
    const a1 = submit(one, alice, 'a1');
    const a2 = submit(one, alice, 'a2');
    // In Redis first: the submission order (seq) is alice's two, then bob's.
    await flushed(cluster);
    const b1 = submit(two, bob, 'b1');
    const b2 = submit(two, bob, 'b2');
    await flushed(cluster);
    const { engine } = await cluster.addWorker();
    await until(
      () => [a1, a2].every((j) => ended(one, j.id)) && [b1, b2].every((j) => ended(two, j.id)),
      15_000,
      'all',
    );

    expect(engine.batches).toEqual([4]);
    // The fair order: each user's oldest first, then the other's, by counters charged along the way.
    expect(prompts(engine.started)).toEqual(['a1', 'b1', 'a2', 'b2']);
    for (const [fe, mine, theirs] of [
      [one, [a1, a2], [b1, b2]],
      [two, [b1, b2], [a1, a2]],
    ] as const) {
      for (const job of mine) {
        const types = fe.events.filter((e) => e.job.id === job.id).map((e) => e.type);
        expect(types).toContain('progress');
        expect(types.at(-1)).toBe('done');
        expect(fe.store.readFile(job.id, 'result.png').length).toBeGreaterThan(0);
      }
      expect(fe.events.some((e) => theirs.some((j) => j.id === e.job.id))).toBe(false);
    }
    expect(await counterOf(cluster.probe, alice)).toBeCloseTo(a1.estimatedCost + a2.estimatedCost, 6);
    expect(await counterOf(cluster.probe, bob)).toBeCloseTo(b1.estimatedCost + b2.estimatedCost, 6);
    expect(await cluster.probe.runs()).toEqual(new Map());
    // The batch took one pass for all four: its start told each the batch's time, each job counts its share of the
    // device time, and the shared pace learned once, from the summed cost.
    const total = [a1, a2, b1, b2].reduce((sum, j) => sum + j.estimatedCost, 0);
    const started = one.events.find((e) => e.job.id === a1.id && e.type === 'started');
    expect(started?.type === 'started' && started.etaMs).toBe(Math.round(total * 0.002));
    const done = one.store.get(a1.id) as Job;
    expect(done.deviceMs).toBeLessThan(done.measuredMs ?? 0);
    expect(await cluster.probe.redis.hget(cluster.probe.key('calibration'), 'samples')).toBe('1');
  });

  it('counts a busy worker by its run, not by the jobs in it', async () => {
    // 3 steps of 300 ms: the batch still runs when the second worker joins.
    const cluster = await startCluster({
      frontEnds: 1,
      workers: 0,
      maxBatch: 2,
      msPerStep: 300,
      limits: { maxRunningPerUser: 4 },
    });
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const pair = [submit(fe, alice, 'p1'), submit(fe, alice, 'p2')];
    const other = fe.queue.submit({
      owner: bob,
      scope: 'guild:1',
      kind: 'imagine',
      request: { task: 'text_to_image', prompt: 'wide', width: 512, height: 256 },
    });
    if (!other.ok) throw new Error('refused');
    await flushed(cluster);
    const first = await cluster.addWorker();
    await until(() => first.engine.batches.length === 1, 10_000, 'the batch');
    const second = await cluster.addWorker();
    // Two jobs are out, but one worker is free: the other shape starts while the batch runs.
    await until(() => second.engine.started.length === 1, 10_000, 'the other shape');
    expect(pair.some((j) => ended(fe, j.id))).toBe(false);
    await until(() => [...pair, other.job].every((j) => ended(fe, j.id)), 10_000, 'all');
  });

  it('cancels one job of a running batch while the others finish', async () => {
    // 3 steps of 300 ms: the cancel lands mid-run.
    const cluster = await startCluster({
      frontEnds: 1,
      workers: 0,
      maxBatch: 3,
      msPerStep: 300,
      limits: { maxRunningPerUser: 3 },
    });
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const { probe } = cluster;
    const jobs = ['x', 'y', 'z'].map((p) => submit(fe, alice, p));
    const [x, y, z] = jobs as [Job, Job, Job];
    await flushed(cluster);
    const { engine } = await cluster.addWorker();
    await until(() => fe.events.some((e) => e.job.id === y.id && e.type === 'progress'), 10_000, 'a step');
    expect(fe.queue.cancel(y.id, alice)).toBe('cancelling');
    await until(() => jobs.every((j) => ended(fe, j.id)), 10_000, 'the batch to end');

    expect(engine.batches).toEqual([3]);
    expect(fe.store.get(x.id)?.status).toBe('done');
    expect(fe.store.get(y.id)?.status).toBe('cancelled');
    expect(fe.store.get(z.id)?.status).toBe('done');
    const last = fe.events.filter((e) => e.job.id === y.id && e.type === 'progress').at(-1);
    if (last?.type !== 'progress') throw new Error('no progress');
    const ran = last.step / last.total;
    expect(ran).toBeLessThan(1);
    // The cancelled job keeps only the share of its steps that ran.
    const charged = x.estimatedCost + z.estimatedCost + y.estimatedCost * ran;
    await eventually(async () => Math.abs((await counterOf(probe, alice)) - charged) < 1e-6, 5000, 'refund');
  });

  it('puts no more of one user’s jobs in a batch than maxRunningPerUser', async () => {
    const cluster = await startCluster({
      frontEnds: 1,
      workers: 0,
      maxBatch: 4,
      limits: { maxRunningPerUser: 2 },
    });
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const jobs = [
      submit(fe, alice, 'a1'),
      submit(fe, alice, 'a2'),
      submit(fe, alice, 'a3'),
      submit(fe, bob, 'b1'),
    ];
    await flushed(cluster);
    const { engine } = await cluster.addWorker();
    await until(() => jobs.every((j) => ended(fe, j.id)), 15_000, 'all');
    expect(engine.batches).toEqual([3]);
    expect(prompts(engine.started)).toEqual(['a1', 'b1', 'a2', 'a3']);
  });

  it('makes runs no larger than the smallest max batch among the live workers', async () => {
    // 3 steps of 300 ms: the narrow worker is still busy with the first job when the wide one joins.
    const cluster = await startCluster({
      frontEnds: 1,
      workers: 0,
      msPerStep: 300,
      limits: { maxRunningPerUser: 4 },
    });
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const jobs = ['a', 'b', 'c', 'd'].map((p) => submit(fe, alice, p));
    await flushed(cluster);
    const narrow = await cluster.addWorker(1);
    await until(() => narrow.engine.started.length === 1, 10_000, 'the first job');
    const wide = await cluster.addWorker(4);
    await until(() => jobs.every((j) => ended(fe, j.id)), 15_000, 'all');
    // Any live worker may take the next run: while the narrow one lives, each run is one job.
    expect(wide.engine.started.length).toBeGreaterThan(0);
    expect(wide.engine.started.length + narrow.engine.started.length).toBe(4);
    expect([...wide.engine.batches, ...narrow.engine.batches]).toEqual([]);
  });

  it('runs a run larger than its own max batch a max batch at a time', async () => {
    const cluster = await startCluster({ frontEnds: 1, workers: 0, limits: { maxRunningPerUser: 3 } });
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const jobs = ['p', 'q', 'r'].map((p) => submit(fe, alice, p));
    await flushed(cluster);
    // A run made for a larger worker that left before taking it (its claim's hand-over is the reconciliation's).
    const waiting = await Promise.all(jobs.map(async (j) => (await cluster?.probe.getJob(j.id)) as Job));
    expect(await cluster.probe.claimRun('run-for-four', waiting)).toEqual(jobs.map((j) => j.id));
    const { engine } = await cluster.addWorker(2);
    await until(() => jobs.every((j) => ended(fe, j.id)), 15_000, 'all');
    expect(engine.batches).toEqual([2]);
    expect(prompts(engine.started)).toEqual(['p', 'q', 'r']);
    expect(jobs.every((j) => fe.store.get(j.id)?.status === 'done')).toBe(true);
    expect(await cluster.probe.runs()).toEqual(new Map());
  });
});
