// Two front-ends and two workers on the real Redis: 200 jobs from 20 users, some cancelled from the other
// front-end. Nothing is lost, nothing runs twice, every job's events reach its own front-end in order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../engine/testing/mulberry32.js';
import type { JobEvent } from '../../../src/jobs/events.js';
import type { Job, Owner } from '../../../src/jobs/types.js';
import { type Cluster, skipWithoutRedis, startCluster, until } from './redis-harness.js';

const skip = await skipWithoutRedis();

const TERMINAL = new Set(['done', 'failed', 'cancelled']);
const RANK: Record<JobEvent['type'], number> = {
  queued: 0,
  position: 1,
  started: 2,
  progress: 3,
  done: 4,
  failed: 4,
  cancelled: 4,
  // The single-process queue's stop; a shared queue emits it only when a worker stops mid-run, as none does here.
  paused: 5,
};

describe.skipIf(skip)('distributed queue: 2 front-ends, 2 workers', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    // 3 steps of 15 ms a job: the flood lasts seconds, so most cancels find their job still waiting.
    cluster = await startCluster({ frontEnds: 2, workers: 2, msPerStep: 15 });
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('runs 200 jobs from 20 users with random cancels: none lost, none twice, events in order', {
    timeout: 120_000,
  }, async () => {
    const random = mulberry32(17);
    const owners: Owner[] = Array.from({ length: 20 }, (_, i) => ({ platform: 'discord', userId: `u${i}` }));
    const jobs: Array<{ job: Job; frontEnd: number }> = [];
    const cancels: Array<Promise<void>> = [];
    const outcomes: string[] = [];
    const finishedAt = (id: string) =>
      cluster.frontEnds.some((fe) => fe.events.some((e) => e.job.id === id && TERMINAL.has(e.type)));
    for (let n = 0; n < 200; n++) {
      const frontEnd = Math.floor(random() * 2);
      const owner = owners[n % 20] as Owner;
      const result = cluster.frontEnds[frontEnd]?.queue.submit({
        owner,
        scope: 'guild:1',
        kind: 'imagine',
        request: { task: 'text_to_image', prompt: `job-${n}`, width: 256, height: 256 },
      });
      if (!result?.ok) throw new Error('refused');
      jobs.push({ job: result.job, frontEnd });
      if (random() < 0.1) {
        // Cancelled by its owner through the other front-end, a little later, once that front-end shows the job
        // (as a user would see it in /queue there): waiting, already running, or even finished by then.
        const other = cluster.frontEnds[1 - frontEnd];
        const delay = Math.floor(random() * 200);
        cancels.push(
          (async () => {
            await new Promise((resolve) => setTimeout(resolve, delay));
            await until(
              () => other?.queue.get(result.job.id) !== undefined || finishedAt(result.job.id),
              20_000,
              'visible',
            );
            outcomes.push(other?.queue.cancel(result.job.id, owner) ?? 'not_found');
          })(),
        );
      }
      if (n % 20 === 19) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await Promise.all(cancels);
    const finished = () =>
      jobs.every(({ job, frontEnd }) =>
        cluster.frontEnds[frontEnd]?.events.some((e) => e.job.id === job.id && TERMINAL.has(e.type)),
      );
    await until(finished, 100_000, 'every job to finish');

    const runs = new Map<string, number>();
    for (const { engine } of cluster.workers)
      for (const request of engine.started)
        if ('prompt' in request) runs.set(request.prompt, (runs.get(request.prompt) ?? 0) + 1);
    let done = 0;
    let cancelled = 0;
    for (const [n, { job, frontEnd }] of jobs.entries()) {
      const own = cluster.frontEnds[frontEnd]?.events.filter((e) => e.job.id === job.id) ?? [];
      const foreign = cluster.frontEnds[1 - frontEnd]?.events.filter((e) => e.job.id === job.id) ?? [];
      expect(foreign).toEqual([]);
      const types = own.map((e) => e.type);
      expect(types[0]).toBe('queued');
      expect(types.filter((t) => TERMINAL.has(t))).toHaveLength(1);
      const ranks = own.map((e) => RANK[e.type]);
      expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
      const steps = own.flatMap((e) => (e.type === 'progress' ? [e.step] : []));
      expect(steps).toEqual([...steps].sort((a, b) => a - b));
      const last = own.at(-1)?.type;
      const ran = runs.get(`job-${n}`) ?? 0;
      expect(ran).toBeLessThanOrEqual(1);
      if (last === 'done') {
        done++;
        expect(ran).toBe(1);
        expect(types).toContain('started');
        expect(cluster.frontEnds[frontEnd]?.store.readFile(job.id, 'result.png').length).toBeGreaterThan(0);
      } else {
        expect(last).toBe('cancelled');
        cancelled++;
      }
      expect(cluster.frontEnds[frontEnd]?.store.get(job.id)?.status).toBe(last);
    }
    expect(done + cancelled).toBe(200);
    expect(outcomes).not.toContain('not_found');
    expect(outcomes).not.toContain('refused');
    expect(cancelled).toBeGreaterThan(0);
    expect(cancelled).toBeGreaterThanOrEqual(outcomes.filter((o) => o === 'cancelled').length);
    // Both workers took part.
    expect(cluster.workers.every(({ engine }) => engine.started.length > 0)).toBe(true);
  });
});
