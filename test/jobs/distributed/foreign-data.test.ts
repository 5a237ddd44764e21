// What is under the queue's names in Redis but none of ours (another program publishing on a channel, a bot of
// another version, a damaged key) is skipped with one log line, and the queue goes on. Each once stopped something:
// a message that was not JSON thrown from a subscriber ended the worker or the front-end hearing it, one bad record
// on a waiting list failed every snapshot (nothing was dispatched again), and one job whose result was gone kept a
// restarted front-end from reporting the ends of its other jobs. Distinct foreign messages are logged one line per
// kind a minute at most: a flood of them must not flood the log.
import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { WORK_QUEUE, workQueueOptions } from '../../../src/jobs/distributed/dispatcher.js';
import { SharedState, SKIP_LOG_INTERVAL_MS } from '../../../src/jobs/distributed/shared-state.js';
import type { Job, Owner } from '../../../src/jobs/types.js';
import {
  type Cluster,
  eventually,
  REDIS_URL,
  skipWithoutRedis,
  startCluster,
  submitImagine,
  uniquePrefix,
  until,
} from './redis-harness.js';

const skip = await skipWithoutRedis();
const owner: Owner = { platform: 'discord', userId: 'foreign' };

let cluster: Cluster | undefined;

afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

/** A cluster whose processes log into `lines` (message and fields). */
async function logged(options: Parameters<typeof startCluster>[0]) {
  const lines: Array<{ message: string; fields?: Record<string, unknown> }> = [];
  cluster = await startCluster({
    ...options,
    log: (_level, message, fields) => lines.push({ message, fields }),
  });
  const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
  const count = (message: string) => lines.filter((l) => l.message === message).length;
  return { cluster, fe, lines, count };
}

function doneAt(fe: Cluster['frontEnds'][number], id: string): boolean {
  return fe.events.some((e) => e.job.id === id && e.type === 'done');
}

describe.skipIf(skip)('distributed queue: data that is none of ours', { timeout: 60_000 }, () => {
  it('skips foreign messages on its channels, with one log line per kind, and runs the next job', async () => {
    const { cluster, fe, count } = await logged({ frontEnds: 1, workers: 1 });
    const { probe } = cluster;
    const messages: Array<[string, string]> = [
      ['cancel', 'not json'],
      ['cancel', 'null'],
      ['cancel', '{"id":5}'],
      [`events:${fe.queue.id}`, 'not json'],
      [`events:${fe.queue.id}`, '{"type":"done"}'],
      [`events:${fe.queue.id}`, '{"type":"done","job":{"id":"x"}}'],
      ['wake', 'not json'],
      ['changed', 'not json'],
    ];
    for (const [channel, message] of messages) await probe.redis.publish(probe.channel(channel), message);
    await probe.redis.publish(probe.channel('cancel'), 'not json');

    const job = submitImagine(fe, owner, 'after the noise');
    await until(() => doneAt(fe, job.id), 15_000, 'the job done');
    // Three distinct of each kind within a minute: one line each (the next one, after a minute, counts the others).
    expect(count('skipped a malformed cancel message in the shared queue')).toBe(1);
    expect(count('skipped a malformed job event in the shared queue')).toBe(1);
  });

  it('skips a malformed record on a waiting list, once logged, and dispatches the others', async () => {
    const { cluster, fe, lines, count } = await logged({ frontEnds: 1, workers: 1 });
    const { probe } = cluster;
    await probe.redis.set(probe.key('job', 'foreign'), 'not json');
    await probe.redis.zadd(probe.key('wait', 'discord:other'), 1, 'foreign');
    await probe.redis.sadd(probe.key('waiting'), 'discord:other');

    const job = submitImagine(fe, owner, 'beside a bad record');
    await until(() => doneAt(fe, job.id), 15_000, 'the job done');
    // Read at every snapshot (each change, each dispatcher tick), told once.
    expect(count('skipped a malformed job record in the shared queue')).toBe(1);
    expect(lines.find((l) => l.message.includes('malformed job record'))?.fields).toEqual({
      key: probe.key('job', 'foreign'),
    });
    expect(lines.some((l) => l.message === 'dispatch failed')).toBe(false);
  });

  it('completes a foreign job on the work queue with one log line, and runs the next run', async () => {
    const { cluster, fe, count } = await logged({ frontEnds: 1, workers: 1 });
    const work = new Queue(WORK_QUEUE, workQueueOptions(REDIS_URL, cluster.prefix));
    try {
      await work.add('run', { hello: 'world' }, { jobId: 'foreign-run' });
      const told = () => count('skipped a malformed work queue job in the shared queue') === 1;
      await until(told, 10_000, 'the foreign job skipped');
      // Completed (workers remove completed jobs at once), not failed: BullMQ keeps no failure to retry or report.
      await eventually(async () => (await work.getJobState('foreign-run')) === 'unknown', 5000, 'it removed');
    } finally {
      await work.close();
    }
    const job = submitImagine(fe, owner, 'after a foreign run');
    await until(() => doneAt(fe, job.id), 15_000, 'the job done');
  });

  it('a restarted front-end reports its ended jobs when one result is gone from Redis, that one as lost', async () => {
    const { cluster, fe, count } = await logged({ frontEnds: 1, workers: 0 });
    const { probe } = cluster;
    const lost = submitImagine(fe, owner, 'result expired');
    const kept = submitImagine(fe, owner, 'result kept');
    await fe.queue.flush();
    // Both ended while the front-end was away (no event reached it); only the second's result is still in Redis.
    for (const id of [lost.id, kept.id]) {
      const job = (await probe.getJob(id)) as Job;
      expect(await probe.claim(job)).toBe(true);
      job.status = 'done';
      job.finishedAt = Date.now();
      job.result = { file: 'result.png', seed: 7, width: 256, height: 256 };
      await probe.saveJob(job);
      await probe.release(id);
    }
    await probe.writeFile(kept.id, 'result.png', new Uint8Array([1, 2, 3]));

    fe.queue.start();
    await until(() => doneAt(fe, kept.id), 10_000, 'the kept result reported');
    expect(fe.store.get(kept.id)?.status).toBe('done');
    expect(doneAt(fe, lost.id)).toBe(false);
    await until(() => fe.store.get(lost.id)?.status === 'failed', 10_000, 'the lost result told');
    expect(fe.store.get(lost.id)?.error?.key).toBe('errors.job.result_lost');
    expect(count('catching up on a finished job failed')).toBe(0);
  });

  it('logs distinct foreign messages of one kind once a minute, the next line counting those left out', async () => {
    let now = 0;
    const lines: Array<{ message: string; fields?: Record<string, unknown> }> = [];
    const state = new SharedState(REDIS_URL, uniquePrefix(), undefined, { localNow: () => now });
    try {
      state.reportTo((_level, message, fields) => lines.push({ message, fields }));
      for (let i = 0; i < 100; i++) state.skipMalformed('cancel message', 'ch:cancel', `noise ${i}`);
      state.skipMalformed('job event', 'ch:events', 'noise');
      now += SKIP_LOG_INTERVAL_MS;
      state.skipMalformed('cancel message', 'ch:cancel', 'noise 100');
      expect(lines).toEqual([
        { message: 'skipped a malformed cancel message in the shared queue', fields: { key: 'ch:cancel' } },
        { message: 'skipped a malformed job event in the shared queue', fields: { key: 'ch:events' } },
        {
          message: 'skipped a malformed cancel message in the shared queue',
          fields: { key: 'ch:cancel', alsoSkipped: 99 },
        },
      ]);
    } finally {
      await state.close();
    }
  });
});
