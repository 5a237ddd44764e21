// A job whose run does not stop within the shutdown's abort wait is not put back: the next start finds it running
// and retries it only if that run was its first (recoverInterrupted, two attempts). On its second, its owner must
// not be told "your job will start again from the beginning" (`paused`, `restarts: true`) at the shutdown and then
// hear at the next start that it was stopped: the shutdown tells them what the next start will do.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JobStore } from '../../src/jobs/store.js';
import { HeldEngineDouble } from '../doubles/held-engine-double.js';
import { waitUntil } from '../doubles/shared/wait.js';
import type { TimedEngineDouble } from '../doubles/timed-engine.js';
import { recordedQueue } from './recorded-queue.js';

/** One start of the bot on `dir`, its events recorded from its construction on. */
function start(dir: string, engine: TimedEngineDouble = new HeldEngineDouble('forever')) {
  return recordedQueue(new JobStore(dir), engine);
}

/** Runs the bot until its job is with the engine, then stops it; the job's step outlives the abort wait. */
async function runAndStop(bot: ReturnType<typeof start>, id: string, beforeClose?: () => Promise<void>) {
  bot.queue.start();
  await waitUntil(() => bot.events.some((e) => e.type === 'started' && e.job.id === id), 'the job started');
  await bot.queue.stop({ waitMs: 20, abortWaitMs: 20 });
  await beforeClose?.();
  bot.store.close();
}

function submit(bot: ReturnType<typeof start>): string {
  const submitted = bot.queue.submit({
    owner: { platform: 'web', userId: 'ann' },
    scope: 'playground',
    kind: 'imagine',
    request: { task: 'text_to_image', prompt: 'a fox', width: 256, height: 256 },
  });
  if (!submitted.ok) throw new Error(submitted.refusal.key);
  return submitted.job.id;
}

describe('a shutdown whose abort does not stop the running job', () => {
  it('promises a restart on its first attempt, and on its last tells that it is stopped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dimoo-last-attempt-'));
    const first = start(dir);
    const id = submit(first);
    await runAndStop(first, id);
    expect(first.events.filter((e) => e.job.id === id).at(-1)).toMatchObject({
      type: 'paused',
      restarts: true,
    });

    // The next start runs it again, as promised: its second and last attempt.
    const second = start(dir);
    expect(second.store.get(id)).toMatchObject({ status: 'queued', attempts: 1 });
    await runAndStop(second, id);
    const told = second.events.filter((e) => e.job.id === id).at(-1);
    expect(told).toMatchObject({ type: 'failed', job: { error: { key: 'errors.job.interrupted' } } });

    // The start after it does what was told: the job is not run again, nor is its owner told a second time.
    const third = start(dir);
    expect(third.store.get(id)).toMatchObject({ status: 'failed', error: { key: 'errors.job.interrupted' } });
    third.queue.start();
    await third.queue.stop();
    expect(third.events.filter((e) => e.job.id === id)).toEqual([]);
    third.store.close();
  });

  it('keeps the job failed when its step ends after all, before the database closes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dimoo-last-attempt-'));
    const first = start(dir);
    const id = submit(first);
    await runAndStop(first, id);
    const engine = new HeldEngineDouble('until-released');
    const second = start(dir, engine);
    await runAndStop(second, id, async () => {
      // The aborted step ends now: its job must not go back into the queue for a run its owner was told is over.
      engine.release();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(second.store.get(id)).toMatchObject({
        status: 'failed',
        error: { key: 'errors.job.interrupted' },
      });
    });
    expect(second.events.filter((e) => e.job.id === id).at(-1)?.type).toBe('failed');
  });
});
