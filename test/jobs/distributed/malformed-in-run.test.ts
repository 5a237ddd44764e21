// A job record damaged (or written over by another program) while its job is in a worker's run: the scripts that
// end the job's turn and the one that tells the owners of a lost worker's run go on instead of failing the whole
// call, which left the job holding its worker slot (its end never written) or every other member of the run
// unpaused.
import { afterEach, describe, expect, it } from 'vitest';
import { announceLostRunners, takeRun } from '../../../src/jobs/distributed/shared-runners.js';
import type { Job, Owner } from '../../../src/jobs/types.js';
import { type Cluster, skipWithoutRedis, startCluster, submitImagine } from './redis-harness.js';

const skip = await skipWithoutRedis();
const owner: Owner = { platform: 'discord', userId: 'damaged' };

let cluster: Cluster | undefined;

afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

/** Two jobs claimed as one run, not yet started: the cluster has no worker. */
async function claimedPair(): Promise<{ c: Cluster; jobs: Job[] }> {
  const c = await startCluster({ frontEnds: 1, workers: 0 });
  cluster = c;
  const fe = c.frontEnds[0] as Cluster['frontEnds'][number];
  const submitted = [submitImagine(fe, owner, 'first'), submitImagine(fe, owner, 'second')];
  await fe.queue.flush();
  await fe.queue.dispatcher.close();
  const jobs = (await Promise.all(submitted.map((job) => c.probe.getJob(job.id)))) as Job[];
  expect(await c.probe.claimRun('run-1', jobs)).toEqual(jobs.map((job) => job.id));
  return { c, jobs };
}

describe.skipIf(skip)('distributed queue: a malformed record in a run', { timeout: 30_000 }, () => {
  it('writes the worker’s outcome over it and frees the job’s place in the run', async () => {
    const { c, jobs } = await claimedPair();
    const [damaged] = jobs as [Job, Job];
    for (const body of ['not json', '5', '{"no":"status"}']) {
      await c.probe.redis.set(c.probe.key('job', damaged.id), body);
      const done = { ...damaged, status: 'failed' as const, finishedAt: c.probe.now() };
      expect(await c.probe.finish(done, 0)).toBe(true);
      expect((await c.probe.getJob(damaged.id))?.status).toBe('failed');
      expect(await c.probe.membersOf('run-1', [damaged.id])).toEqual([]);
      // In the run again for the next body.
      await c.probe.redis.hset(c.probe.key('run-of'), damaged.id, 'run-1');
    }
  });

  it('tells the owner of the run’s other job when its worker is lost', async () => {
    const { c, jobs } = await claimedPair();
    const [damaged, whole] = jobs as [Job, Job];
    await c.probe.saveJob({ ...whole, status: 'running', startedAt: c.probe.now() });
    await c.probe.redis.set(c.probe.key('job', damaged.id), 'not json');
    // A worker that took the run as a retried try and then stopped answering (no alive key).
    await takeRun(c.probe, 'run-1', 'gone', true);
    expect(await announceLostRunners(c.probe)).toEqual([whole.id]);
  });
});
