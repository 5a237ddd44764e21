// A shared queue with no worker alive: a waiting job's reply says it waits for one and gives no time; with a worker
// (or in one process, where the queue says nothing of workers) the usual place and time. A job whose workers
// stopped twice fails with words for that, not for a bot restart.
import { describe, expect, it } from 'vitest';
import { type RenderDeps, renderEvent, renderQueued } from '../../commands/render.js';
import { t } from '../../src/i18n.js';
import type { Job } from '../../src/jobs/index.js';
import { aJob } from './job-fixture.js';

const job: Job = aJob();

const deps: RenderDeps = {
  store: { readFile: () => Buffer.alloc(0) },
  defaultLocale: 'en',
  now: () => 1000,
};

describe('queued replies without a worker', () => {
  it('say the job waits for a worker, with its place and Cancel but no time', () => {
    const reply = renderQueued(job, 2, 40_000, { ...deps, workersRunning: () => false });
    expect(reply.text).toEqual([{ key: 'job.queued_no_worker', params: { count: 2 } }]);
    expect(reply.etaAt).toBeUndefined();
    expect(reply.ahead).toBe(2);
    expect(reply.buttons?.flat().map((b) => b.labelKey)).toEqual(['button.cancel']);
    // Even where no pace is measured yet: the missing worker is what the owner needs to know.
    const unmeasured = renderQueued(job, 0, 0, {
      ...deps,
      workersRunning: () => false,
      paceKnown: () => false,
    });
    expect(unmeasured.text).toEqual([{ key: 'job.queued_no_worker', params: { count: 0 } }]);
    expect(t('en', 'job.queued_no_worker', { count: 0 })).toBe(
      'Queued, but no worker is running right now: your job starts as soon as one is.',
    );
  });

  it('word a position update the same way', async () => {
    const reply = await renderEvent(
      { type: 'position', job, ahead: 1, etaMs: 20_000, endMs: 40_000 },
      {
        ...deps,
        workersRunning: () => false,
      },
    );
    expect(reply.text).toEqual([{ key: 'job.queued_no_worker', params: { count: 1 } }]);
    expect(reply.etaAt).toBeUndefined();
  });

  it('give the place and time with a worker alive, or where the queue says nothing of workers', () => {
    for (const given of [{ ...deps, workersRunning: () => true }, deps]) {
      const reply = renderQueued(job, 1, 40_000, given);
      expect(reply.text).toEqual([{ key: 'job.queued', params: { count: 1, etaMs: 40_000 } }]);
      expect(reply.etaAt).toBe(1000 + 40_000);
    }
  });

  it('say a waiting job is ready when its run ends: a batched one with the whole run, not its start plus its share', async () => {
    // Starts in 20 s in a run of three 20 s jobs: ready in 80 s (it was told 40).
    const reply = await renderEvent({ type: 'position', job, ahead: 1, etaMs: 20_000, endMs: 80_000 }, deps);
    expect(reply.text).toEqual([{ key: 'job.queued', params: { count: 1, etaMs: 80_000 } }]);
    expect(reply.etaAt).toBe(1000 + 80_000);
    const queued = await renderEvent({ type: 'queued', job, ahead: 0, etaMs: 0, endMs: 60_000 }, deps);
    expect(queued.etaAt).toBe(1000 + 60_000);
  });
});

describe('a job whose workers stopped twice', () => {
  it('fails with the workers’ words, not a bot restart', async () => {
    const failed: Job = {
      ...job,
      status: 'failed',
      error: { key: 'errors.job.worker_lost', params: {} },
    };
    const reply = await renderEvent({ type: 'failed', job: failed }, deps);
    expect(reply.final).toBe(true);
    const line = reply.text[0];
    const reason = line && t('en', line.key, line.params);
    expect(reason).toBe(t('en', 'job.failed', { reason: t('en', 'errors.job.worker_lost') }));
    expect(reason).toContain('worker');
    expect(reason).not.toContain('restart');
  });
});
