// A worker stopped (SIGTERM) with a job still running past its grace puts the job back as it was before its claim:
// on its owner's waiting list, its slot free, its charge refunded, its attempt not counted. The next worker runs it
// as a first try, so BullMQ's one retry is still there for a real crash.
import { afterEach, describe, expect, it } from 'vitest';
import type { StatusSurface } from '../../../adapters/shared/job-status.js';
import { JobStatusTracker } from '../../../adapters/shared/job-status-tracker.js';
import { JobUpdates } from '../../../commands/job-updates.js';
import type { Reply } from '../../../commands/reply.js';
import { t } from '../../../src/i18n.js';
import type { JobEvent } from '../../../src/jobs/events.js';
import type { Job, Owner } from '../../../src/jobs/types.js';
import { ownerKey } from '../../../src/jobs/types.js';
import { type Cluster, counterOf, skipWithoutRedis, startCluster, until } from './redis-harness.js';

const skip = await skipWithoutRedis();
const owner: Owner = { platform: 'discord', userId: 'patient' };

let cluster: Cluster | undefined;

afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

describe.skipIf(skip)('distributed queue: worker shutdown', () => {
  it('puts a job running past the grace back for the next worker, attempt and charge undone', async () => {
    // 3 steps of 500 ms: the job is mid-run when the 100 ms grace ends.
    cluster = await startCluster({ frontEnds: 1, workers: 1, msPerStep: 500 });
    const { probe } = cluster;
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const first = cluster.workers[0] as Cluster['workers'][number];
    const result = fe.queue.submit({
      owner,
      scope: 'guild:1',
      kind: 'imagine',
      request: { task: 'text_to_image', prompt: 'interrupted', width: 256, height: 256 },
    });
    if (!result.ok) throw new Error('refused');
    const id = result.job.id;
    await until(() => fe.events.some((e) => e.job.id === id && e.type === 'progress'), 10_000, 'a step');

    await first.worker.close(100);
    const record = (await probe.getJob(id)) as Job;
    expect(record.status).toBe('queued');
    expect(record.attempts).toBe(0);
    expect(record.startedAt).toBeUndefined();
    const user = ownerKey(owner);
    expect(await probe.redis.zscore(probe.key('wait', user), id)).toBe(String(record.seq));
    expect(await probe.redis.sismember(probe.key('waiting'), user)).toBe(1);
    expect(await probe.redis.hget(probe.key('dispatched'), id)).toBeNull();
    expect(await counterOf(probe, owner)).toBeCloseTo(0, 6);

    const second = await cluster.addWorker();
    await until(() => fe.events.some((e) => e.job.id === id && e.type === 'done'), 15_000, 'the re-run');
    expect(second.engine.started).toHaveLength(1);
    expect(fe.store.get(id)?.attempts).toBe(1);
    expect(await counterOf(probe, owner)).toBeCloseTo(result.job.estimatedCost, 6);
  });

  it("tells the owner's front-end at once that the worker stopped, then shows the job running again elsewhere", async () => {
    cluster = await startCluster({ frontEnds: 1, workers: 1, msPerStep: 500 });
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const first = cluster.workers[0] as Cluster['workers'][number];
    // The front-end's own path to a chat: rendered once (commands), then the shared status lifecycle.
    const shown: string[] = [];
    const surface: StatusSurface = {
      show: async (reply) => void shown.push(`show:${keyOf(reply)}`),
      finish: async (reply) => {
        shown.push(`finish:${keyOf(reply)}`);
        return true;
      },
      replyToUser: async () => undefined,
    };
    const tracker = new JobStatusTracker({
      markUndelivered: () => undefined,
      warn: () => undefined,
      gaps: { privateMs: 50, groupMs: 50, globalMs: 0 },
      changes: (next, before) => JSON.stringify(next) !== JSON.stringify(before),
    });
    const updates = new JobUpdates({
      queue: fe.queue,
      render: { store: fe.store, defaultLocale: 'en', now: Date.now },
    });
    updates.subscribe(({ job, reply }) => tracker.update(job, reply));
    const result = fe.queue.submit({
      owner,
      scope: 'guild:1',
      kind: 'imagine',
      request: { task: 'text_to_image', prompt: 'handed over', width: 256, height: 256 },
      meta: { locale: 'en' },
    });
    if (!result.ok) throw new Error('refused');
    const id = result.job.id;
    tracker.open(
      id,
      { id: 'chat', shared: false },
      { text: [{ key: 'job.queued' }] },
      Promise.resolve(surface),
    );
    const mine = () => fe.events.filter((e) => e.job.id === id);
    await until(() => mine().some((e) => e.type === 'progress'), 10_000, 'a step');

    await first.worker.close(100);
    // No worker is left: the word comes from the put-back itself, not from a next start.
    await until(() => mine().some((e) => e.type === 'paused'), 5000, 'the paused event');
    const paused = mine().find((e) => e.type === 'paused') as Extract<JobEvent, { type: 'paused' }>;
    expect(paused).toMatchObject({ restarts: true, reason: 'worker' });
    expect(fe.store.get(id)?.status).toBe('queued');
    await until(() => shown.includes('show:job.paused_worker'), 5000, 'the paused status');
    expect(t('en', 'job.paused_worker')).toContain('next free worker');
    const atPause = shown.length;

    const second = await cluster.addWorker();
    await until(() => mine().some((e) => e.type === 'done'), 15_000, 'the re-run');
    await until(() => shown.at(-1)?.startsWith('finish:') === true, 5000, 'the ending');
    expect(second.engine.started).toHaveLength(1);
    // The event after the pause (told again when the last worker's going reached the mirror, for its wording) is
    // the next worker's start, and its steps go on to the status message.
    const types = mine()
      .map((e) => e.type)
      .filter((type) => type !== 'position');
    const after = types.slice(types.lastIndexOf('paused') + 1);
    expect(after[0]).toBe('started');
    expect(after).toContain('progress');
    expect(after.at(-1)).toBe('done');
    expect(
      shown.slice(atPause).some((line) => line === 'show:job.running' || line === 'show:job.started'),
    ).toBe(true);
    expect(shown.at(-1)).toBe('finish:job.done');
    tracker.stop();
    updates.close();
  });
});

function keyOf(reply: Reply): string | undefined {
  return reply.text[0]?.key;
}
