// A shutdown that gives up on a running job ends it itself when that run was its last attempt (or its owner was
// cancelling it), and tells its owner. When the database refuses that end, the row stays `running` and the next
// start's recovery ends the job and tells its owner: the owner must hear it once, not at the stop and again then.
// A row the next start will run again instead (a cancel whose own write was refused too) is told so at the stop.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JobEvent } from '../../src/jobs/events.js';
import type { JobQueue } from '../../src/jobs/queue.js';
import { FullDiskStoreDouble } from '../doubles/full-disk-store.js';
import { HeldEngineDouble } from '../doubles/held-engine-double.js';
import { waitUntil } from '../doubles/shared/wait.js';
import { recordedQueue } from './recorded-queue.js';
import { submitFox } from './submit-fox.js';

const owner = { platform: 'web' as const, userId: 'ann' };

/** One start of the bot on `dir`, its events recorded from its construction on. */
function start(dir: string) {
  // A step that never ends (a wedged device), so no abort is ever looked at.
  return recordedQueue(new FullDiskStoreDouble(dir), new HeldEngineDouble('forever'));
}

type Bot = ReturnType<typeof start>;

const submit = (bot: { queue: Pick<JobQueue, 'submit'> }): string => submitFox(bot.queue, owner);

/** Runs the bot until its job is with the engine, then (after `meanwhile`) stops it; its step outlives the abort. */
async function runAndStop(bot: Bot, id: string, meanwhile?: () => void) {
  bot.queue.start();
  await waitUntil(() => bot.events.some((e) => e.type === 'started' && e.job.id === id), 'the job started');
  meanwhile?.();
  await bot.queue.stop({ waitMs: 20, abortWaitMs: 20 });
}

/** The next start, which recovers what the stop left `running`; its events up to its own stop. */
async function nextStart(dir: string) {
  const bot = start(dir);
  bot.queue.start();
  await bot.queue.stop();
  return bot;
}

const ends = (events: JobEvent[], id: string, type: JobEvent['type']) =>
  events.filter((e) => e.job.id === id && e.type === type);

describe('a shutdown whose own end of a given-up job the database refuses', () => {
  it('tells the owner of a job on its last attempt that it failed once, with the job failed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dimoo-refused-end-'));
    const first = start(dir);
    const id = submit(first);
    await runAndStop(first, id);
    first.store.close();
    // The second run is its last; the disk fills while it runs, so the stop cannot store that it failed.
    const second = start(dir);
    await runAndStop(second, id, () => {
      second.store.full = true;
    });
    expect(second.store.get(id)).toMatchObject({ status: 'running', attempts: 2 });
    second.store.close();

    const third = await nextStart(dir);
    const failed = [...ends(second.events, id, 'failed'), ...ends(third.events, id, 'failed')];
    expect(failed).toHaveLength(1);
    expect(failed[0]?.job.error).toEqual({ key: 'errors.job.interrupted', params: {} });
    expect(third.store.get(id)).toMatchObject({ status: 'failed', error: { key: 'errors.job.interrupted' } });
    third.store.close();
  });

  it('tells the owner of a job they were cancelling that it is cancelled once, with the job cancelled', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dimoo-refused-end-'));
    const first = start(dir);
    const id = submit(first);
    // The cancel is stored; the disk fills before the stop can store the job's end.
    await runAndStop(first, id, () => {
      expect(first.queue.cancel(id, owner)).toBe('cancelling');
      first.store.full = true;
    });
    expect(first.store.get(id)).toMatchObject({ status: 'running' });
    first.store.close();

    const next = await nextStart(dir);
    const cancelled = [...ends(first.events, id, 'cancelled'), ...ends(next.events, id, 'cancelled')];
    expect(cancelled).toHaveLength(1);
    expect(next.store.get(id)).toMatchObject({ status: 'cancelled' });
    next.store.close();
  });

  it('tells the owner of a job whose cancel could not be stored either that it will start again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dimoo-refused-end-'));
    const first = start(dir);
    const id = submit(first);
    // The disk fills before the Cancel: the cancel's own mark is refused, then the stop's end of the job.
    await runAndStop(first, id, () => {
      first.store.full = true;
      expect(first.queue.cancel(id, owner)).toBe('cancelling');
    });
    expect(first.store.get(id)).toMatchObject({ status: 'running', attempts: 1, meta: {} });
    const told = first.events.filter((e) => e.job.id === id);
    expect(told.map((e) => e.type)).toEqual(['queued', 'started', 'paused']);
    expect(told.at(-1)).toMatchObject({ type: 'paused', restarts: true });
    first.store.close();

    // What the owner was told is what the next start does: nothing stored says the job was cancelled.
    const next = start(dir);
    expect(next.store.get(id)).toMatchObject({ status: 'queued' });
    expect(next.events).toEqual([]);
    next.store.close();
  });
});
