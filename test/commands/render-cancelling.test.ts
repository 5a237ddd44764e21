// A running job whose owner pressed Cancel: every update until "Cancelled." says it is stopping, with no Cancel
// button, never its steps as if no one had asked (the engine may still report a step or two before it stops).
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../commands/commands.js';
import { renderEvent } from '../../commands/render.js';
import type { Job } from '../../src/jobs/index.js';
import { commandsOnQueue } from './commands-on-queue.js';
import { aJob } from './job-fixture.js';

const deps = {
  store: { readFile: () => Buffer.alloc(0) },
  defaultLocale: 'en' as const,
  now: () => 0,
};

describe('a job being cancelled', () => {
  it('renders its progress as stopping, without Cancel', async () => {
    const running: Job = aJob({ status: 'running' });
    const live = await renderEvent({ type: 'progress', job: running, step: 6, total: 64 }, deps);
    expect(live.text).toEqual([{ key: 'job.running', params: { step: 6, total: 64 } }]);
    expect(live.buttons?.flat().map((b) => b.labelKey)).toEqual(['button.cancel']);

    const asked = { ...running, meta: { ...running.meta, cancelRequested: true } };
    const stopping = await renderEvent({ type: 'progress', job: asked, step: 7, total: 64 }, deps);
    expect(stopping.text).toEqual([{ key: 'cancel.stopping' }]);
    expect(stopping.buttons ?? []).toEqual([]);
    expect(stopping.final).toBeFalsy();
  });

  // With QUEUE_URL a waiting job is marked as its cancel is answered "cancelled", and a worker may take it just then:
  // its `started` must not bring back "Started" and a Cancel to press again, whichever way the start is worded.
  it('renders a start heard after the cancel as stopping, without Cancel', async () => {
    const waiting: Job = aJob({ status: 'running', meta: { locale: 'en', cancelRequested: true } });
    const ways = [deps, { ...deps, paceKnown: () => false }, { ...deps, countsDownEta: () => true }];
    for (const way of ways) {
      const started = await renderEvent({ type: 'started', job: waiting, etaMs: 30_000 }, way);
      expect(started.text).toEqual([{ key: 'cancel.stopping' }]);
      expect(started.buttons ?? []).toEqual([]);
      expect(started.etaAt).toBeUndefined();
      expect(started.final).toBeFalsy();
    }
  });

  // A shared queue's worker lost or stopping puts the run back, and the cancel still ends it there: "it will run
  // again" with a Cancel to press would contradict the answer its owner already had.
  it('renders a pause heard after the cancel as stopping, without Cancel', async () => {
    const asked: Job = aJob({ status: 'running', meta: { locale: 'en', cancelRequested: true } });
    for (const reason of ['worker', 'worker_lost'] as const) {
      const paused = await renderEvent({ type: 'paused', job: asked, restarts: true, reason }, deps);
      expect(paused.text).toEqual([{ key: 'cancel.stopping' }]);
      expect(paused.buttons ?? []).toEqual([]);
      expect(paused.final).toBeFalsy();
    }
  });

  it('shows as stopping in the history a reload rebuilds', async () => {
    const { commands, store } = commandsOnQueue('render-cancelling', { start: false });
    const ctx: CommandContext = commands.context({
      user: { platform: 'web', userId: 'u1' },
      scope: 'web:u1',
      language: 'en',
    });
    const reply = await commands.run(ctx, { name: 'imagine', options: { prompt: 'a fox' } });
    const job = store.get(reply.jobId as string) as Job;
    // As the queue leaves it between the press and the step that ends it.
    store.update({ ...job, status: 'running', meta: { ...job.meta, cancelRequested: true } });
    const [entry] = (await commands.history(ctx)).entries;
    expect(entry?.reply.text).toEqual([{ key: 'cancel.stopping' }]);
    expect(entry?.reply.buttons ?? []).toEqual([]);
  });
});
