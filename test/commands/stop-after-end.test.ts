// A typed /cancel (or /queue's Cancel n) of a running job makes its message say "Stopping…" at once (stop-wait.ts).
// A job that ended meanwhile keeps its final state: with QUEUE_URL the front-end's mirror of the shared state may
// still show the run after the end was delivered, and the cancel then answered "stopping" and put "Stopping…" on the
// message after the result. The end a front-end holds is the answer, and a restated state never follows an end.
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../commands/context.js';
import { JobUpdates } from '../../commands/job-updates.js';
import { stoppingNow } from '../../commands/late-cancel.js';
import type { Reply } from '../../commands/reply.js';
import type { Job } from '../../src/jobs/index.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';
import {
  type Cluster,
  clustersClosedAfterEach,
  skipWithoutRedis,
  until,
} from '../jobs/distributed/redis-harness.js';
import { commandsOnFrontEnd, commandsOnQueue } from './commands-on-queue.js';

/** The keys of each reply, in the order its listener heard them, from the job's final one on. */
function fromFinal(replies: Reply[]): string[][] {
  const final = replies.findIndex((reply) => reply.final === true);
  return replies.slice(final).map((reply) => reply.text.map((line) => line.key));
}

describe('a restated job state', () => {
  it('is shown while the job runs, and never after its end', async () => {
    const { commands, queue, store } = commandsOnQueue('stop-after-end', {
      engine: new TimedEngineDouble(30, 20),
    });
    const updates = new JobUpdates({ queue, render: { store, defaultLocale: 'en', now: Date.now } });
    const heard: Reply[] = [];
    updates.subscribe(({ reply }) => heard.push(reply));
    const ctx = commands.context({
      user: { platform: 'discord', userId: '1' },
      scope: 'guild:1',
      language: 'en',
    });
    const jobId = (await commands.run(ctx, { name: 'imagine', options: { prompt: 'a lighthouse' } }))
      .jobId as string;
    await until(() => store.get(jobId)?.status === 'running', 10_000, 'the job to run');

    updates.restate(store.get(jobId) as Job, stoppingNow(store.get(jobId) as Job));
    await until(() => heard.some((reply) => reply.urgent === true), 5000, 'the restated state');
    await until(() => heard.some((reply) => reply.final === true), 10_000, 'the job to end');

    updates.restate(store.get(jobId) as Job, stoppingNow(store.get(jobId) as Job));
    await updates.settle(1000);
    expect(fromFinal(heard)).toEqual([['job.done']]);
    updates.close();
  });
});

const skip = await skipWithoutRedis();
const startCluster = clustersClosedAfterEach();

describe.skipIf(skip)('a typed /cancel of a job that ended, on the shared queue', { timeout: 30_000 }, () => {
  it('while the mirror still shows its run: answered finished, its result left as it is', async () => {
    const cluster = await startCluster({
      frontEnds: 1,
      workers: 0,
      engine: () => new TimedEngineDouble(20, 10),
    });
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const commands = commandsOnFrontEnd(fe);
    const heard: Reply[] = [];
    commands.subscribe(({ reply }) => heard.push(reply));
    const ctx: CommandContext = commands.context({
      user: { platform: 'discord', userId: '1' },
      scope: 'guild:1',
      language: 'en',
    });
    const jobId = (await commands.run(ctx, { name: 'imagine', options: { prompt: 'a lighthouse' } }))
      .jobId as string;
    await cluster.addWorker();
    await until(() => fe.store.get(jobId)?.status === 'running', 10_000, 'the job to run');
    await until(() => fe.queue.shared.dispatched.has(jobId), 10_000, 'the mirror to show its run');
    // Test double: Redis's change notices are read, but the mirror stays as it was (a front-end behind on them).
    const behind = await fe.state.snapshot();
    fe.state.snapshot = async () => behind;
    await until(() => heard.some((reply) => reply.final === true), 10_000, 'the job to end');
    expect(fe.queue.shared.dispatched.has(jobId)).toBe(true);

    const answer = await commands.run(ctx, { name: 'cancel', options: { job: jobId } });
    expect(answer.text.map((line) => line.key)).toEqual(['cancel.finished']);
    await commands.settleUpdates(1000);
    expect(fromFinal(heard)).toEqual([['job.done']]);
    // Nor is its record marked as asked to cancel: its result was not "finished before it could be stopped".
    expect(fe.store.get(jobId)?.meta.cancelRequested).toBeUndefined();
    commands.closeUpdates();
  });
});
