// A shutdown whose abort does not stop the running job gives up on it: whatever its run does later is dropped
// (run-batch.ts), so the shutdown itself tells its owner how it ends. A job its owner was cancelling ends cancelled
// now, not at the next start (which, had its cancel not been written, would run it again); and a run that ends just
// as the shutdown gives up still leaves its owner told.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JobQueue } from '../../src/jobs/queue.js';
import type { JobQueueOptions } from '../../src/jobs/queue-types.js';
import { JobStore } from '../../src/jobs/store.js';
import { HeldEngineDouble } from '../doubles/held-engine-double.js';
import { waitUntil } from '../doubles/shared/wait.js';
import type { TimedEngineDouble } from '../doubles/timed-engine.js';
import { recordedQueue } from './recorded-queue.js';
import { submitFox } from './submit-fox.js';

function start(dir: string, engine: TimedEngineDouble, log?: JobQueueOptions['log']) {
  return recordedQueue(new JobStore(dir), engine, log);
}

const owner = { platform: 'web' as const, userId: 'ann' };

const submit = (bot: { queue: Pick<JobQueue, 'submit'> }): string => submitFox(bot.queue, owner);

describe('a shutdown that gives up on the running job', () => {
  it('ends a job its owner was cancelling as cancelled, and tells them so at the stop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dimoo-given-up-'));
    const bot = start(dir, new HeldEngineDouble('until-released'));
    const id = submit(bot);
    bot.queue.start();
    await waitUntil(() => bot.events.some((e) => e.type === 'started' && e.job.id === id), 'the job started');
    expect(bot.queue.cancel(id, owner)).toBe('cancelling');
    await bot.queue.stop({ waitMs: 20, abortWaitMs: 20 });
    expect(bot.events.filter((e) => e.job.id === id).at(-1)?.type).toBe('cancelled');
    expect(bot.store.get(id)).toMatchObject({ status: 'cancelled' });
    expect(bot.store.get(id)?.finishedAt).toBeTypeOf('number');
    bot.store.close();

    // The next start neither runs it again nor tells its owner a second time.
    const next = start(dir, new HeldEngineDouble('until-released'));
    expect(next.store.get(id)).toMatchObject({ status: 'cancelled' });
    next.queue.start();
    await next.queue.stop();
    expect(next.events.filter((e) => e.job.id === id)).toEqual([]);
    next.store.close();
  });

  it('tells the owner of a job whose run ends just as the shutdown gives up on it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dimoo-given-up-'));
    const engine = new HeldEngineDouble('until-released');
    // The run's step ends the moment the shutdown gives up on it (its warning): its run takes its jobs out of
    // the running ones before the shutdown tells their owners.
    const bot = start(dir, engine, (level) => {
      if (level === 'warn') engine.release();
    });
    const id = submit(bot);
    bot.queue.start();
    await waitUntil(() => bot.events.some((e) => e.type === 'started' && e.job.id === id), 'the job started');
    await bot.queue.stop({ waitMs: 20, abortWaitMs: 20 });
    expect(bot.events.filter((e) => e.job.id === id).at(-1)).toMatchObject({
      type: 'paused',
      restarts: true,
    });
    bot.store.close();
  });
});
