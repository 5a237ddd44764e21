// Holds on waiting jobs for the submission that replaces them (an edited request): a held job keeps its place and its
// room under the caps but is not started; the replacing submission is judged without it and cancels it in the same
// step; a refused one leaves it waiting, and a released hold lets it run.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobEvent } from '../../src/jobs/events.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { JobStore } from '../../src/jobs/store.js';
import type { Owner } from '../../src/jobs/types.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';
import { queueLimits } from './queue-limits.js';

const LIMITS = queueLimits({ maxPerUser: 3, maxTotal: 2 });
const open: JobQueue[] = [];

function makeQueue(dir = mkdtempSync(join(tmpdir(), 'dimoo-hold-'))) {
  const store = new JobStore(dir);
  const queue = new JobQueue({ store, engine: new TimedEngineDouble(5, 3), limits: LIMITS });
  const events: JobEvent[] = [];
  queue.subscribe((e) => events.push(e));
  open.push(queue);
  return { queue, store, events, dir };
}

const user = (id: string): Owner => ({ platform: 'telegram', userId: id });
const input = (owner: Owner, prompt: string, replaces?: string[]) => ({
  owner,
  scope: `chat:${owner.userId}`,
  kind: 'imagine' as const,
  request: { task: 'text_to_image' as const, prompt, width: 256, height: 256 },
  ...(replaces ? { replaces } : {}),
});

function submitted(queue: JobQueue, owner: Owner, prompt: string, replaces?: string[]) {
  const result = queue.submit(input(owner, prompt, replaces));
  if (!result.ok) throw new Error(`refused: ${result.refusal.key}`);
  return result.job;
}

afterEach(async () => {
  for (const q of open.splice(0)) await q.stop({ waitMs: 2000 });
});

describe('JobQueue holds', () => {
  it('a held job is not started but keeps its room; released, it runs', async () => {
    const { queue, events } = makeQueue();
    const old = submitted(queue, user('a'), 'a cta');
    const hold = queue.hold([old.id], user('a'));
    expect(hold?.state).toBe('held');
    queue.start();
    submitted(queue, user('b'), 'b');
    // The whole queue has room for two waiting jobs: the held one still takes one.
    expect(queue.submit(input(user('c'), 'c')).ok).toBe(false);
    await expect.poll(() => events.filter((e) => e.type === 'done').length).toBe(1);
    expect(queue.get(old.id)?.status).toBe('queued');
    hold?.release();
    expect(hold?.state).toBe('released');
    await expect.poll(() => queue.get(old.id)?.status).toBe('done');
  });

  it('holds only waiting jobs of their owner, once', () => {
    const { queue } = makeQueue();
    const old = submitted(queue, user('a'), 'a cta');
    expect(queue.hold([old.id], user('b'))).toBeUndefined();
    expect(queue.hold([old.id, 'nope'], user('a'))).toBeUndefined();
    expect(queue.hold([old.id], user('a'))).toBeDefined();
    expect(queue.hold([old.id], user('a'))).toBeUndefined();
  });

  it('the replacement takes the held job’s place in a full queue, cancelling it in the same step', () => {
    const { queue, events } = makeQueue();
    const old = submitted(queue, user('a'), 'a cta');
    const hold = queue.hold([old.id], user('a'));
    submitted(queue, user('b'), 'b');
    expect(queue.submit(input(user('c'), 'c')).ok).toBe(false);
    // Someone else naming the held job takes nothing: counted as ever, the queue is full.
    expect(queue.submit(input(user('b'), 'b2', [old.id])).ok).toBe(false);
    expect(hold?.state).toBe('held');
    const next = submitted(queue, user('a'), 'a cat', [old.id]);
    expect(hold?.state).toBe('replaced');
    expect(queue.get(old.id)?.status).toBe('cancelled');
    const order = events.filter((e) => e.job.id === old.id || e.job.id === next.id).map((e) => e.type);
    expect(order).toEqual(['queued', 'cancelled', 'queued']);
    // Its place is taken: the next submission of anyone is refused as before.
    expect(queue.submit(input(user('c'), 'c')).ok).toBe(false);
  });

  it('a replacement the queue refuses releases the hold: the old job waits as before and runs', async () => {
    const { queue, store, events } = makeQueue();
    const old = submitted(queue, user('a'), 'a cta');
    const hold = queue.hold([old.id], user('a'));
    // The measured pace says a 1024² image would run past the job timeout.
    store.setCalibration('cpu:text_to_image', 1e9, 3);
    const big = {
      ...input(user('a'), 'a huge cat', [old.id]),
      request: { task: 'text_to_image' as const, prompt: 'a huge cat', width: 1024, height: 1024 },
    };
    const refused = queue.submit(big);
    expect(refused.ok ? undefined : refused.refusal.key).toBe('errors.queue.too_long');
    expect(hold?.state).toBe('released');
    store.setCalibration('cpu:text_to_image', 0.000001, 3);
    queue.start();
    await expect.poll(() => queue.get(old.id)?.status).toBe('done');
    expect(events.some((e) => e.type === 'cancelled')).toBe(false);
  });

  it('a stopping queue refuses the replacement and keeps the held job for the restart (holds live in memory)', async () => {
    const { queue, dir } = makeQueue();
    const old = submitted(queue, user('a'), 'a cta');
    const hold = queue.hold([old.id], user('a'));
    await queue.stop();
    const refused = queue.submit(input(user('a'), 'a cat', [old.id]));
    expect(refused.ok ? undefined : refused.refusal.key).toBe('errors.queue.stopping');
    expect(hold?.state).toBe('released');
    const again = makeQueue(dir);
    again.queue.start();
    await expect.poll(() => again.queue.get(old.id)?.status).toBe('done');
  });
});
