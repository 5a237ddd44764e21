// /queue's line of a running job says how far it has got, from the job's latest progress event (floor of the percent,
// within 0..100), so Refresh shows it moving; before any step of its run (the model loading) it is the plain "is
// running". What is remembered is forgotten when the job ends, stops or begins its run again.
import { afterEach, describe, expect, it } from 'vitest';
import { CANCEL_WAIT_MS } from '../../commands/cancel/stop-wait.js';
import type { Commands } from '../../commands/commands.js';
import type { CommandContext } from '../../commands/context.js';
import { JobProgress } from '../../commands/job-progress.js';
import type { Reply } from '../../commands/reply.js';
import type { EngineRequest, EngineResult, GenerateOptions, ProgressEvent } from '../../engine/index.js';
import { t } from '../../src/i18n.js';
import { JobEvents } from '../../src/jobs/index.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';
import {
  type Cluster,
  eventually,
  skipWithoutRedis,
  startCluster,
  until,
} from '../jobs/distributed/redis-harness.js';
import { commandsOnFrontEnd, commandsOnQueue } from './commands-on-queue.js';
import { aJob } from './job-fixture.js';

/**
 * Test double: the timed engine, held before its first step; the test reports the steps it wants, then lets it on.
 * An abort lets it on too, unless `holdsThroughAbort` (a step that takes long to see the abort).
 */
class HeldEngineDouble extends TimedEngineDouble {
  holdsThroughAbort = false;
  private onProgress: ((event: ProgressEvent) => void) | undefined;
  private release: (() => void) | undefined;

  get holding(): boolean {
    return this.release !== undefined;
  }

  override async generate(request: EngineRequest, options: GenerateOptions = {}): Promise<EngineResult> {
    await new Promise<void>((resolve) => {
      this.onProgress = options.onProgress;
      this.release = resolve;
      if (!this.holdsThroughAbort) options.signal?.addEventListener('abort', () => resolve());
    });
    this.release = undefined;
    return super.generate(request, options);
  }

  report(step: number, total: number): void {
    this.onProgress?.({ step, total });
  }

  finish(): void {
    this.release?.();
  }
}

function contextOf(commands: Commands): CommandContext {
  return commands.context({ user: { platform: 'discord', userId: '1' }, scope: 'guild:1', language: 'en' });
}

/** The list's line of its running job. */
const runningLine = (reply: Reply) => reply.text[1];

describe('/queue: how far a running job has got', () => {
  it('plain before any step, then its percent, which a later step moves (Refresh differs)', async () => {
    const engine = new HeldEngineDouble(1, 3);
    const { commands, store } = commandsOnQueue('queue-progress', { engine });
    const ctx = contextOf(commands);
    const job = (await commands.run(ctx, { name: 'imagine', options: { prompt: 'a red fox' } }))
      .jobId as string;
    await until(() => store.get(job)?.status === 'running' && engine.holding, 10_000, 'the job to run');
    const params = { n: 1, prompt: 'a red fox', id: job.slice(0, 8) };

    // Loading: no step told yet.
    const loading = await commands.run(ctx, { name: 'queue' });
    expect(runningLine(loading)).toEqual({ key: 'queue.mine_running', params });

    engine.report(2, 5);
    const list = await commands.run(ctx, { name: 'queue' });
    expect(runningLine(list)).toEqual({
      key: 'queue.mine_running_progress',
      params: { ...params, percent: 40 },
    });
    expect(t('en', 'queue.mine_running_progress', { ...params, percent: 40 })).toBe(
      `1. “a red fox” is running: 40% done (${job.slice(0, 8)}).`,
    );

    // A grid's or batch's job tells its own steps: 2 of 3 is 66 %, never rounded up to a 67 not yet reached.
    engine.report(2, 3);
    const fresh = await commands.pressButton(ctx, `queue_refresh:${job}`);
    expect(fresh.replaceSource).toBe(true);
    expect(fresh.text).not.toEqual(list.text);
    expect(runningLine(fresh)).toEqual({
      key: 'queue.mine_running_progress',
      params: { ...params, percent: 66 },
    });

    engine.finish();
  });

  it('the stopping line stays as it was, progress or not: a job not stopped within the wait', async () => {
    const engine = new HeldEngineDouble(1, 3);
    engine.holdsThroughAbort = true;
    const { commands, store } = commandsOnQueue('queue-progress-stopping', { engine });
    const ctx = contextOf(commands);
    const job = (await commands.run(ctx, { name: 'imagine', options: { prompt: 'a kite' } })).jobId as string;
    await until(() => store.get(job)?.status === 'running' && engine.holding, 10_000, 'the job to run');
    engine.report(1, 4);
    const pressed = Date.now();
    const answer = await commands.pressButton(ctx, `queue_cancel:${job}`);
    // Waited for the job to stop, but no longer than the bound.
    expect(Date.now() - pressed).toBeGreaterThanOrEqual(CANCEL_WAIT_MS - 50);
    expect(Date.now() - pressed).toBeLessThan(CANCEL_WAIT_MS + 1500);
    expect(store.get(job)?.status).toBe('running');
    expect(answer.text.map((line) => line.key)).toEqual([
      'cancel.stopping_named',
      'queue.summary',
      'queue.mine_stopping',
    ]);
    expect(answer.text[2]).toEqual({
      key: 'queue.mine_stopping',
      params: { n: 1, prompt: 'a kite', id: job.slice(0, 8) },
    });
    // The list once the job has stopped, for the adapter to put in the same place: it no longer says "stopping".
    let later: Reply | undefined;
    void answer.nextInPlace?.then((reply) => {
      later = reply;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(later).toBeUndefined();
    engine.finish();
    await until(() => store.get(job)?.status === 'cancelled', 10_000, 'the job to stop');
    expect(await answer.nextInPlace).toMatchObject({
      text: [
        { key: 'cancel.done_named', params: { prompt: 'a kite', id: job.slice(0, 8) } },
        { key: 'queue.summary', params: { queued: 0, running: 0 } },
      ],
      buttons: [],
      replaceSource: true,
    });
  });

  it('a running job that stops during the wait: the answer comes with its end, the list without it', async () => {
    const engine = new HeldEngineDouble(1, 3);
    engine.holdsThroughAbort = true;
    const { commands, store } = commandsOnQueue('queue-progress-stopped', { engine });
    const ctx = contextOf(commands);
    const job = (await commands.run(ctx, { name: 'imagine', options: { prompt: 'a kite' } })).jobId as string;
    await until(() => store.get(job)?.status === 'running' && engine.holding, 10_000, 'the job to run');
    const pressed = Date.now();
    const answering = commands.pressButton(ctx, `queue_cancel:${job}`);
    // Its step ends a moment after the press, and sees the abort then.
    setTimeout(() => engine.finish(), 100);
    const answer = await answering;
    expect(Date.now() - pressed).toBeLessThan(CANCEL_WAIT_MS - 500);
    expect(store.get(job)?.status).toBe('cancelled');
    expect(answer.replaceSource).toBe(true);
    expect(answer.text).toEqual([
      { key: 'cancel.done_named', params: { prompt: 'a kite', id: job.slice(0, 8) } },
      { key: 'queue.summary', params: { queued: 0, running: 0 } },
    ]);
    // Nothing left to show later: the list answered is the final one.
    expect(answer.nextInPlace).toBeUndefined();
    expect(answer.buttons).toEqual([]);
  });
});

describe('JobProgress', () => {
  const setup = () => {
    const events = new JobEvents();
    return { events, progress: new JobProgress(events) };
  };
  const running = (id = 'job-1') => aJob({ id, status: 'running' });

  it('floors the percent within 0..100, and gives none without a total', () => {
    const { events, progress } = setup();
    const percentAt = (step: number, total: number) => {
      events.emit({ type: 'progress', job: running(), step, total });
      return progress.percentOf('job-1');
    };
    expect(progress.percentOf('job-1')).toBeUndefined();
    expect([percentAt(0, 8), percentAt(1, 8), percentAt(8, 8), percentAt(9, 8), percentAt(-1, 8)]).toEqual([
      0, 12, 100, 100, 0,
    ]);
    expect(percentAt(3, 0)).toBeUndefined();
    expect(percentAt(3, Number.NaN)).toBeUndefined();
  });

  it.each(['done', 'failed', 'cancelled'] as const)('forgets a job that %s', (type) => {
    const { events, progress } = setup();
    events.emit({ type: 'progress', job: running('a'), step: 1, total: 2 });
    events.emit({ type: 'progress', job: running('b'), step: 1, total: 4 });
    events.emit({ type, job: aJob({ id: 'a', status: type }) });
    expect([progress.percentOf('a'), progress.percentOf('b'), progress.size]).toEqual([undefined, 25, 1]);
    // A step the engine still reported as the job ended brings nothing back.
    events.emit({ type: 'progress', job: aJob({ id: 'a', status: type }), step: 2, total: 2 });
    expect(progress.size).toBe(1);
  });

  it('forgets a run put back or begun again: its steps count from the start', () => {
    const { events, progress } = setup();
    events.emit({ type: 'progress', job: running(), step: 3, total: 4 });
    events.emit({ type: 'paused', job: aJob({ status: 'queued' }), restarts: true, reason: 'worker' });
    expect(progress.percentOf('job-1')).toBeUndefined();
    events.emit({ type: 'progress', job: running(), step: 3, total: 4 });
    events.emit({ type: 'started', job: running(), etaMs: 0 });
    expect(progress.size).toBe(0);
  });

  it('stops listening when closed (the commands closing their updates)', () => {
    const { events, progress } = setup();
    events.emit({ type: 'progress', job: running(), step: 1, total: 4 });
    progress.close();
    events.emit({ type: 'progress', job: running(), step: 3, total: 4 });
    expect([progress.size, progress.percentOf('job-1')]).toEqual([0, undefined]);
  });

  it('keeps at most 1000 jobs whose end it never heard, dropping the longest unheard', () => {
    const { events, progress } = setup();
    for (let i = 0; i < 1001; i++)
      events.emit({ type: 'progress', job: running(`j${i}`), step: 1, total: 2 });
    expect([progress.size, progress.percentOf('j0'), progress.percentOf('j1000')]).toEqual([
      1000,
      undefined,
      50,
    ]);
  });
});

const skip = await skipWithoutRedis();
let cluster: Cluster | undefined;

afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

describe.skipIf(skip)(
  '/queue: how far a running job has got, on the shared queue',
  { timeout: 60_000 },
  () => {
    it("shows the worker's steps at the front-end the job was asked at; another front-end lists the job not", async () => {
      // Three steps of 300 ms each: 33 %, then 66 %, each long enough to be seen.
      cluster = await startCluster({ frontEnds: 2, workers: 1, msPerStep: 300 });
      const [asked, other] = cluster.frontEnds.map(commandsOnFrontEnd) as [Commands, Commands];
      const ctx = contextOf(asked);
      const job = (await asked.run(ctx, { name: 'imagine', options: { prompt: 'a red fox' } }))
        .jobId as string;
      const percents: unknown[] = [];
      await eventually(
        async () => {
          const line = runningLine(await asked.pressButton(ctx, `queue_refresh:${job}`));
          if (line?.key === 'queue.mine_running_progress') percents.push(line.params?.percent);
          return percents.includes(66);
        },
        20_000,
        'the second step in the list',
      );
      expect(percents).toContain(33);
      const elsewhere = await other.run(contextOf(other), { name: 'queue' });
      expect(elsewhere.text.map((line) => line.key)).toEqual(['queue.summary']);
      asked.closeUpdates();
      other.closeUpdates();
    });
  },
);
