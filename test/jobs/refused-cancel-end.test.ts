// A job its owner cancels while the disk is full: its run stops at the abort, and the database refuses to store the
// end. The stored row decides what the owner hears, as for an end the shutdown gives up on (refused-ends.ts):
// `cancelled` once that end is stored, by the worker once the disk has room or else by the next start; or, the
// cancel's own mark refused too, `paused` (it starts again) at the stop. Never `cancelled` at the stop and again
// at the next start, nor `cancelled` for a job the next start runs again; nor, after a second stop signal that
// finds the disk freed, an end stored that its owner never hears of or that breaks the restart promised. A failure the
// database refuses is told at once, and corrected at the stop when the next start will run the job again.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JobStatusBoard, type StatusSurface } from '../../adapters/shared/job-status.js';
import type { JobEvent } from '../../src/jobs/events.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { FullDiskStoreDouble } from '../doubles/full-disk-store.js';
import { HeldEngineDouble } from '../doubles/held-engine-double.js';
import { waitUntil } from '../doubles/shared/wait.js';
import { queueLimits } from './queue-limits.js';
import { submitFox } from './submit-fox.js';

const owner = { platform: 'web' as const, userId: 'ann' };

/** One start of the bot on `dir`, its events recorded from its construction on; its runs end at `release()`. */
function start(dir: string) {
  const store = new FullDiskStoreDouble(dir);
  const engine = new HeldEngineDouble('until-released');
  const queue = new JobQueue({ store, engine, limits: queueLimits() });
  const events: JobEvent[] = [];
  queue.subscribe((e) => events.push(e));
  return { store, engine, queue, events };
}

type Bot = ReturnType<typeof start>;

/** Submits a job and waits until it is with the engine. */
async function running(bot: Bot): Promise<string> {
  const id = submitFox(bot.queue, owner);
  bot.queue.start();
  await waitUntil(() => bot.events.some((e) => e.type === 'started' && e.job.id === id), 'the job started');
  return id;
}

/** The owner cancels while the disk is full or fills (`fillFirst`: before the cancel's own mark is stored). */
async function cancelOnFullDisk(bot: Bot, id: string, fillFirst: boolean): Promise<void> {
  if (fillFirst) bot.store.full = true;
  expect(bot.queue.cancel(id, owner)).toBe('cancelling');
  bot.store.full = true;
  // The engine stops at the abort; the run's end is refused.
  bot.engine.release();
  await waitUntil(() => bot.queue.get(id)?.status === 'cancelled', 'the run ended');
  expect(bot.store.get(id)?.status).toBe('running');
}

const of = (events: JobEvent[], id: string, type: JobEvent['type']) =>
  events.filter((e) => e.job.id === id && e.type === type);

const freshDir = (kind: 'cancel' | 'failure') => mkdtempSync(join(tmpdir(), `dimoo-refused-${kind}-`));

/** A first start on a fresh folder, its job with the engine. */
async function firstStartRunning(kind: 'cancel' | 'failure') {
  const dir = freshDir(kind);
  const first = start(dir);
  const id = await running(first);
  return { dir, first, id };
}

/** A first start whose running job its owner cancelled on a full disk (`fillFirst` as in `cancelOnFullDisk`). */
async function cancelledOnFullDisk(fillFirst: boolean) {
  const { dir, first, id } = await firstStartRunning('cancel');
  await cancelOnFullDisk(first, id, fillFirst);
  return { dir, first, id };
}

/** The job's owner was told at the stop that it starts again. */
function expectToldRestart(bot: Bot, id: string): void {
  expect(bot.events.filter((e) => e.job.id === id).at(-1)).toMatchObject({ type: 'paused', restarts: true });
}

/** A second stop signal, after the disk has room again: the process exits right after. */
function secondSignalFreed(bot: Bot): void {
  bot.store.full = false;
  bot.queue.putBackRunning();
}

/** The next start, which runs until it has nothing left and stops. */
async function nextStartRun(dir: string): Promise<Bot> {
  const next = start(dir);
  next.queue.start();
  await next.queue.stop();
  return next;
}

/**
 * The adapters' part, as the shared status board does it: each job's status message opened as it starts, each
 * failure delivered to it, the queue told (`failureTold`) when that reached its owner. `delivers`: false when the
 * edit and the reply both throw and the full disk refuses the undelivered mark too. Returns the deliveries, which a
 * stop waits for.
 */
function deliverEndings(bot: Bot, delivers: boolean): Array<Promise<unknown>> {
  const refused = async (): Promise<never> => {
    throw new Error('the platform refused');
  };
  const surfaceDouble: StatusSurface = {
    show: async () => undefined,
    finish: delivers ? async () => true : refused,
    replyToUser: refused,
  };
  const board = new JobStatusBoard({
    markUndelivered: () => {
      throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    },
    warn: () => undefined,
    failureTold: (jobId) => bot.queue.failureTold(jobId),
  });
  const deliveries: Array<Promise<unknown>> = [];
  bot.queue.subscribe((e) => {
    if (e.type === 'started') board.open(e.job.id, Promise.resolve(surfaceDouble));
    if (e.type === 'failed')
      deliveries.push(
        board.finish(e.job, { text: [], final: true, outcome: 'failed' }).catch(() => undefined),
      );
  });
  return deliveries;
}

/**
 * A job given up by a first start's stop (its run outlives the abort), its row left `running`, and a second start
 * whose run of it, its last attempt, has started. `endings`: the adapters' part on the second start, as in
 * `deliverEndings`; its deliveries are returned.
 */
async function lastAttemptStarted(endings?: { delivers: boolean }) {
  const { dir, first, id } = await firstStartRunning('failure');
  await first.queue.stop({ waitMs: 20, abortWaitMs: 20 });
  first.store.close();
  const second = start(dir);
  const deliveries = endings ? deliverEndings(second, endings.delivers) : [];
  second.queue.start();
  await waitUntil(() => of(second.events, id, 'started').length > 0, 'the last attempt started');
  return { dir, id, second, deliveries };
}

/** The disk fills, then the engine lets the run go: its failure is told, its end refused. */
async function failedOnFullDisk(bot: Bot, id: string): Promise<void> {
  bot.store.full = true;
  // Released once the engine has the run (its `started` may come first).
  await waitUntil(() => {
    bot.engine.release();
    return of(bot.events, id, 'failed').length > 0;
  }, 'Failed');
}

/** The next start finds the job queued again. */
function expectQueuedAtNextStart(dir: string, id: string): void {
  const next = start(dir);
  expect(next.store.get(id)?.status).toBe('queued');
  next.store.close();
}

describe('a cancel whose end the database refuses', () => {
  it('is told once the worker stores it, when the disk has room again', async () => {
    const { first: bot, id } = await cancelledOnFullDisk(false);
    expect(of(bot.events, id, 'cancelled')).toEqual([]);
    // Pressed again meanwhile, Cancel is answered as the first time (not "already finished").
    expect(bot.queue.cancel(id, owner)).toBe('cancelling');
    // No other job comes to turn the worker: it tries again of itself.
    bot.store.full = false;
    await waitUntil(() => of(bot.events, id, 'cancelled').length > 0, 'Cancelled', 5000);
    expect(bot.store.get(id)?.status).toBe('cancelled');
    await bot.queue.stop();
    expect(of(bot.events, id, 'cancelled')).toHaveLength(1);
    bot.store.close();
  });

  it('still refused at the stop, is told once, by the next start, when its cancel was stored', async () => {
    const { dir, first, id } = await cancelledOnFullDisk(false);
    await first.queue.stop();
    expect(first.store.get(id)).toMatchObject({ status: 'running', meta: { cancelRequested: true } });
    first.store.close();

    const next = await nextStartRun(dir);
    const cancelled = [...of(first.events, id, 'cancelled'), ...of(next.events, id, 'cancelled')];
    expect(cancelled).toHaveLength(1);
    expect(of(first.events, id, 'paused')).toEqual([]);
    expect(next.store.get(id)?.status).toBe('cancelled');
    next.store.close();
  });

  it('still refused at the stop, with its cancel unstored too, is told it starts again, as it does', async () => {
    const { dir, first, id } = await cancelledOnFullDisk(true);
    await first.queue.stop();
    expect(first.store.get(id)).toMatchObject({ status: 'running', attempts: 1, meta: {} });
    expect(of(first.events, id, 'cancelled')).toEqual([]);
    expectToldRestart(first, id);
    // Nothing was told of its end: no correction, an ordinary last word.
    expect(of(first.events, id, 'paused')[0]).not.toHaveProperty('corrects');
    first.store.close();

    expectQueuedAtNextStart(dir, id);
  });

  it('still refused at the stop, is left to the next start by a second stop signal that finds the disk freed', async () => {
    const { dir, first, id } = await cancelledOnFullDisk(false);
    await first.queue.stop();
    // Whatever the process would tell now reaches nobody.
    secondSignalFreed(first);
    expect(first.store.get(id)).toMatchObject({ status: 'running', meta: { cancelRequested: true } });
    first.store.close();

    const next = await nextStartRun(dir);
    expect(of(next.events, id, 'cancelled')).toHaveLength(1);
    expect(next.store.get(id)?.status).toBe('cancelled');
    next.store.close();
  });

  it('is left to the next start by a second stop signal that comes before the stop is done', async () => {
    const { dir, first, id } = await cancelledOnFullDisk(false);
    // The second signal, while the first one's stop still waits.
    secondSignalFreed(first);
    expect(of(first.events, id, 'cancelled')).toEqual([]);
    expect(first.store.get(id)).toMatchObject({ status: 'running', meta: { cancelRequested: true } });
    first.store.close();

    const next = await nextStartRun(dir);
    expect(of(next.events, id, 'cancelled')).toHaveLength(1);
    next.store.close();
  });

  it('told it starts again at the stop, does start again after a second stop signal that finds the disk freed', async () => {
    const { dir, first, id } = await cancelledOnFullDisk(true);
    await first.queue.stop();
    expectToldRestart(first, id);
    secondSignalFreed(first);
    first.store.close();

    expectQueuedAtNextStart(dir, id);
  });
});

describe('a failure whose end the database refuses', () => {
  it('is told at once, and corrected at the stop to the restart the next start makes of it', async () => {
    const { dir, first, id } = await firstStartRunning('failure');
    // The result cannot be saved, nor the failure stored.
    first.store.full = true;
    first.engine.release();
    await waitUntil(() => of(first.events, id, 'failed').length > 0, 'Failed');
    expect(first.store.get(id)?.status).toBe('running');
    await first.queue.stop();
    expectToldRestart(first, id);
    // In place of the failure told: the adapters show it where that failure went (job-status.ts `correct`).
    expect(of(first.events, id, 'paused')).toEqual([expect.objectContaining({ corrects: true })]);
    // A second stop signal finding room must not store the failure: the owner was promised the restart.
    secondSignalFreed(first);
    first.store.close();

    expectQueuedAtNextStart(dir, id);
  });

  it('on its last attempt, is stored by a second stop signal that finds the disk freed: told once', async () => {
    const { dir, id, second } = await lastAttemptStarted();
    await failedOnFullDisk(second, id);
    await second.queue.stop();
    expect(of(second.events, id, 'paused')).toEqual([]);
    secondSignalFreed(second);
    expect(second.store.get(id)?.status).toBe('failed');
    second.store.close();

    const third = await nextStartRun(dir);
    expect(third.events.filter((e) => e.job.id === id)).toEqual([]);
    third.store.close();
  });

  /** A last attempt whose failure the full disk refuses, delivered (or not), then a stop: the next start. */
  async function lastAttemptFailedOnFullDisk(delivers: boolean) {
    const { dir, id, second, deliveries } = await lastAttemptStarted({ delivers });
    await failedOnFullDisk(second, id);
    await second.queue.stop();
    // The adapters stop after the queue, once the endings are delivered.
    await Promise.all(deliveries);
    // A second stop signal, the disk still full: the failure told is still not stored.
    second.queue.putBackRunning();
    expect(second.store.get(id)).toMatchObject({ status: 'running', attempts: 2 });
    second.store.close();
    return { id, third: await nextStartRun(dir) };
  }

  it('on its last attempt, still refused past the stop: the next start ends it without a second apology', async () => {
    const { id, third } = await lastAttemptFailedOnFullDisk(true);
    expect(third.events.filter((e) => e.job.id === id)).toEqual([]);
    expect(third.store.get(id)?.status).toBe('failed');
    third.store.close();
  });

  it('on its last attempt, its failure delivered to nobody: the next start gives the apology', async () => {
    const { id, third } = await lastAttemptFailedOnFullDisk(false);
    // Edit and reply both failed, and the undelivered mark was refused too: the owner heard nothing yet.
    expect(of(third.events, id, 'failed').map((e) => e.job.error?.key)).toEqual(['errors.job.interrupted']);
    expect(third.store.get(id)?.status).toBe('failed');
    third.store.close();
  });

  it('an interrupted last attempt its owner heard nothing of is still apologised for by the next start', async () => {
    const { dir, id, second } = await lastAttemptStarted();
    // The process dies mid-run (no stop): nothing was told.
    second.store.close();

    const third = await nextStartRun(dir);
    expect(of(third.events, id, 'failed').map((e) => e.job.error?.key)).toEqual(['errors.job.interrupted']);
    third.store.close();
  });
});
