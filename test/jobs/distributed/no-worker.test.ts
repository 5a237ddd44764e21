// No worker alive on the shared queue (none started yet, or all stopped): a waiting job's reply says so and gives no
// time, since it waits until one starts; when one does, the usual place and time come back, and when the last one
// stops they go again. Rendered through the commands layer, as the adapters get it.
import { describe, expect, it } from 'vitest';
import { Commands, type CommandsConfig } from '../../../commands/commands.js';
import type { Reply } from '../../../commands/reply.js';
import { t } from '../../../src/i18n.js';
import { calibrate } from '../../../src/jobs/distributed/shared-pace.js';
import type { Job } from '../../../src/jobs/types.js';
import { clustersWithChildrenClosedAfterEach, killHard, spawnRole } from './children.js';
import { type Cluster, skipWithoutRedis, uniquePrefix, until } from './redis-harness.js';

const skip = await skipWithoutRedis();

const config: CommandsConfig = {
  defaultLocale: 'en',
  limits: { rateLimitPerMinute: 0, maxInputBytes: 200_000, maxInputPixels: 1_000_000, blockedWords: [] },
};

const startCluster = clustersWithChildrenClosedAfterEach();

/** The cluster's front-end behind the commands layer, with every rendered update kept; the pace already known. */
async function setup(workers: number, msPerStep: number, prefix = uniquePrefix()) {
  const cluster = await startCluster({ frontEnds: 1, workers, msPerStep, prefix });
  const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
  // A measured pace, so a reply with a worker alive gives its time (job.queued, not job.queued_unmeasured).
  await calibrate(cluster.probe, 0.002);
  await cluster.probe.publish('changed', {});
  await until(() => fe.queue.paceKnown, 5000, 'the shared pace');
  const commands = new Commands({ queue: fe.queue, store: fe.store, config });
  const updates: Array<{ job: Job; reply: Reply }> = [];
  commands.subscribe((update) => void updates.push(update));
  const ctx = commands.context({ user: { platform: 'discord', userId: 'alone' }, scope: 'guild:1' });
  // Each in Redis before the next: a submission's place among its owner's is the shared order Redis assigns.
  const imagine = async (prompt: string) => {
    const reply = await commands.run(ctx, { name: 'imagine', options: { prompt } });
    await fe.queue.flush();
    return reply;
  };
  const linesOf = (id: string | undefined) =>
    updates.filter((u) => u.job.id === id).map((u) => u.reply.text.at(-1)?.key);
  return { cluster, fe, commands, ctx, updates, imagine, linesOf };
}

describe.skipIf(skip)('distributed queue: no worker alive', { timeout: 60_000 }, () => {
  it('keeps a user’s submissions in the order sent while Redis has not yet numbered them', async () => {
    const { fe, commands, ctx } = await setup(0, 100);
    const sent = ['a red fox', 'a grey fox', 'a white fox'].map((prompt) =>
      commands.run(ctx, { name: 'imagine', options: { prompt } }),
    );
    const replies = await Promise.all(sent);
    await fe.queue.flush();
    expect(replies.map((reply) => reply.text.at(-1)?.params?.count)).toEqual([0, 1, 2]);
  });

  it('says a job waits for a worker instead of an ETA, then shows its place and time once one starts', async () => {
    const { cluster, fe, commands, ctx, updates, imagine, linesOf } = await setup(0, 100);
    expect(fe.queue.workersRunning).toBe(false);
    const first = await imagine('a red fox');
    // The same user's second job waits behind the first (one running job per user).
    const second = await imagine('a grey fox');
    expect(first.text).toEqual([{ key: 'job.queued_no_worker', params: { count: 0 } }]);
    expect(second.text).toEqual([{ key: 'job.queued_no_worker', params: { count: 1 } }]);
    expect(first.etaAt).toBeUndefined();
    expect(second.etaAt).toBeUndefined();
    expect(first.buttons?.flat().map((b) => b.labelKey)).toEqual(['button.cancel']);
    // /queue gives no time either.
    const listed = await commands.run(ctx, { name: 'queue', options: {} });
    expect(listed.text.slice(1).map((line) => line.key)).toEqual([
      'queue.mine_queued_unmeasured',
      'queue.mine_queued_unmeasured',
    ]);
    expect(t('en', 'job.queued_no_worker', { count: 1 })).toBe(
      'Queued: 1 job ahead of yours. No worker is running right now; your job waits until one is.',
    );

    await cluster.addWorker();
    // The first starts at once; the second's place is the same number (one running ahead instead of one
    // waiting), yet its reply changes: the worker's arrival alone re-renders it, with its time.
    await until(
      () => linesOf(second.jobId).includes('job.queued'),
      10_000,
      'the second job’s place and time',
    );
    const placed = updates.find(
      (u) => u.job.id === second.jobId && u.reply.text.at(-1)?.key === 'job.queued',
    );
    expect(placed?.reply.text.at(-1)?.params).toMatchObject({ count: 1 });
    expect(placed?.reply.etaAt).toBeGreaterThan(0);
    await until(() => linesOf(first.jobId).includes('job.done'), 10_000, 'the first job');
    expect(linesOf(first.jobId)).toContain('job.started');
    await until(() => linesOf(second.jobId).includes('job.done'), 10_000, 'the second job');
    expect(fe.queue.workersRunning).toBe(true);
  });

  it('takes the time away from a waiting job when the last worker stops', async () => {
    // 3 steps of 400 ms: the first job is still running when its worker stops with a 100 ms grace.
    const { cluster, fe, imagine, linesOf } = await setup(1, 400);
    await until(() => fe.queue.workersRunning, 5000, 'the worker in the mirror');
    const first = await imagine('a red fox');
    const second = await imagine('a grey fox');
    expect(second.text.map((line) => line.key)).toEqual(['job.queued']);
    expect(second.etaAt).toBeGreaterThan(0);
    await until(() => linesOf(first.jobId).includes('job.started'), 10_000, 'the first start');

    await (cluster.workers[0] as Cluster['workers'][number]).worker.close(100);
    await until(() => linesOf(second.jobId).includes('job.queued_no_worker'), 10_000, 'the no-worker line');
    expect(fe.queue.workersRunning).toBe(false);
    expect(fe.store.get(second.jobId as string)?.status).toBe('queued');
  });

  it('tells a job put back by the last worker both things in one line, kept until a worker takes it', async () => {
    const { cluster, fe, imagine, linesOf } = await setup(1, 400);
    await until(() => fe.queue.workersRunning, 5000, 'the worker in the mirror');
    const job = await imagine('a red fox');
    await until(() => linesOf(job.jobId).includes('job.running'), 10_000, 'a step');

    await (cluster.workers[0] as Cluster['workers'][number]).worker.close(100);
    await until(() => !fe.queue.workersRunning, 10_000, 'no worker in the mirror');
    // The put-back's word and the workers' change arrive in either order; the line that stays says both.
    await until(() => linesOf(job.jobId).at(-1) === 'job.paused_no_worker', 10_000, 'the combined line');
    await cluster.probe.publish('changed', {});
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = linesOf(job.jobId).slice(linesOf(job.jobId).indexOf('job.running') + 1);
    expect(after.at(-1)).toBe('job.paused_no_worker');
    expect(after).not.toContain('job.queued_no_worker');
    expect(fe.store.get(job.jobId as string)?.status).toBe('queued');

    // A worker comes: the job runs again from the beginning and its message follows it to the end.
    await cluster.addWorker();
    await until(() => linesOf(job.jobId).includes('job.done'), 15_000, 'the re-run');
    const rerun = linesOf(job.jobId).slice(linesOf(job.jobId).lastIndexOf('job.paused_no_worker') + 1);
    expect(rerun).toContain('job.started');
    expect(rerun.at(-1)).toBe('job.done');
  });

  it('hears of a worker that stopped idle, with nothing else changing, before the next submission', async () => {
    const { cluster, fe, imagine } = await setup(1, 50);
    await until(() => fe.queue.workersRunning, 5000, 'the worker in the mirror');
    await (cluster.workers[0] as Cluster['workers'][number]).worker.close(100);
    // No job moved: only the dispatcher's notice of the changed workers refreshes the mirror.
    await until(() => !fe.queue.workersRunning, 5000, 'the stop in the mirror');
    const reply = await imagine('a red fox');
    expect(reply.text).toEqual([{ key: 'job.queued_no_worker', params: { count: 0 } }]);
  });

  it('hears of a worker killed while idle once its heartbeat runs out', async () => {
    const prefix = uniquePrefix();
    const { fe, imagine } = await setup(0, 50, prefix);
    const worker = await spawnRole('worker', prefix, 50);
    await until(() => fe.queue.workersRunning, 10_000, 'the worker in the mirror');
    killHard(worker);
    // Its heartbeat lives 6 s; the dispatcher's next pass after that finds it gone and says so.
    await until(() => !fe.queue.workersRunning, 15_000, 'the killed worker gone from the mirror');
    const reply = await imagine('a red fox');
    expect(reply.text).toEqual([{ key: 'job.queued_no_worker', params: { count: 0 } }]);
  });
});
