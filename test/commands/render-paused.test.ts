// A paused job is said at once, in words for why: the bot restarting (running or waiting), or, with a shared queue,
// the worker running it stopping while the bot goes on.
import { describe, expect, it } from 'vitest';
import { renderEvent } from '../../commands/render.js';
import type { Job } from '../../src/jobs/index.js';
import { aJob } from './job-fixture.js';

const job: Job = aJob();

const deps = {
  store: { readFile: () => Buffer.alloc(0) },
  defaultLocale: 'en' as const,
  now: () => 0,
  expectedMs: () => 0,
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

  it('keeps the restart wording when the bot itself stops', async () => {
    const running = await renderEvent({ type: 'paused', job, restarts: true }, deps);
    const waiting = await renderEvent({ type: 'paused', job, restarts: false, reason: 'shutdown' }, deps);
    expect(running.text).toEqual([{ key: 'job.paused_restart' }]);
    expect(waiting.text).toEqual([{ key: 'job.paused_waiting' }]);
    expect(running.urgent && waiting.urgent).toBe(true);
  });
});
