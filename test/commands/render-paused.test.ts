// A paused job is said at once, in words for why: the bot restarting (running or waiting), or, with a shared queue,
// the worker running it stopping while the bot goes on (and, when it was the last, that none is running).
import { describe, expect, it } from 'vitest';
import { renderEvent } from '../../commands/render.js';
import { t } from '../../src/i18n.js';
import type { Job } from '../../src/jobs/index.js';
import { aJob } from './job-fixture.js';

const job: Job = aJob();

const deps = {
  store: { readFile: () => Buffer.alloc(0) },
  defaultLocale: 'en' as const,
  now: () => 0,
};

describe('paused replies', () => {
  it('words a worker’s put-back apart from a restart, shown at once with Cancel, never as the ending', async () => {
    const worker = await renderEvent({ type: 'paused', job, restarts: true, reason: 'worker' }, deps);
    expect(worker.text).toEqual([{ key: 'job.paused_worker' }]);
    expect(worker.urgent).toBe(true);
    expect(worker.final).toBeFalsy();
    expect(worker.buttons?.flat().map((b) => b.labelKey)).toEqual(['button.cancel']);
  });

  it('says that a worker which stopped answering leaves the job to start again on another', async () => {
    const lost = await renderEvent({ type: 'paused', job, restarts: true, reason: 'worker_lost' }, deps);
    expect(lost.text).toEqual([{ key: 'job.paused_worker_lost' }]);
    expect(lost.urgent).toBe(true);
    expect(lost.final).toBeFalsy();
    expect(lost.buttons?.flat().map((b) => b.labelKey)).toEqual(['button.cancel']);
  });

  it('says both in one line when the stopped worker was the last one: no other will take the job yet', async () => {
    const none = { ...deps, workersRunning: () => false };
    for (const reason of ['worker', 'worker_lost'] as const) {
      const reply = await renderEvent({ type: 'paused', job, restarts: true, reason }, none);
      expect(reply.text).toEqual([{ key: 'job.paused_no_worker' }]);
      expect(reply.urgent).toBe(true);
      expect(reply.etaAt).toBeUndefined();
    }
    expect(t('en', 'job.paused_no_worker')).toBe(
      'The worker running your job stopped, and no worker is running right now: your job will start again from the beginning as soon as one is.',
    );
    // The bot's own restart is no worker's matter.
    const restart = await renderEvent({ type: 'paused', job, restarts: true }, none);
    expect(restart.text).toEqual([{ key: 'job.paused_restart' }]);
  });

  it('keeps the restart wording when the bot itself stops', async () => {
    const running = await renderEvent({ type: 'paused', job, restarts: true }, deps);
    const waiting = await renderEvent({ type: 'paused', job, restarts: false, reason: 'shutdown' }, deps);
    expect(running.text).toEqual([{ key: 'job.paused_restart' }]);
    expect(waiting.text).toEqual([{ key: 'job.paused_waiting' }]);
    expect(running.urgent && waiting.urgent).toBe(true);
  });

  it("marks the stop's correction of a failure told (its end refused by a full disk) as one, and nothing else", async () => {
    const correction = await renderEvent({ type: 'paused', job, restarts: true, corrects: true }, deps);
    expect(correction).toMatchObject({ text: [{ key: 'job.paused_restart' }], urgent: true, corrects: true });
    expect(correction.final).toBeFalsy();
    const plain = await renderEvent({ type: 'paused', job, restarts: true }, deps);
    expect(plain.corrects).toBeUndefined();
  });
});
