// A cancel that reaches a running job after the engine's last step (while its result is being stored) cannot stop it:
// the job ends done and its result is delivered. Its owner was told "Stopping your job…", so the result says the job
// finished before it could be stopped, whichever way the cancel was asked (the job's Cancel button, a typed /cancel,
// /queue's Cancel n), rather than a plain "Done" that reads as if the cancel had been ignored.
import { afterEach, describe, expect, it } from 'vitest';
import type { Commands } from '../../commands/commands.js';
import type { CommandContext } from '../../commands/context.js';
import type { Reply } from '../../commands/reply.js';
import type { EngineRequest, EngineResult, GenerateOptions } from '../../engine/index.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';
import { type Cluster, skipWithoutRedis, startCluster, until } from '../jobs/distributed/redis-harness.js';
import { commandsOnFrontEnd, commandsOnQueue } from './commands-on-queue.js';

/** The timed engine double, holding each result after its last step until `release`: a cancel then comes too late. */
class HeldResultEngineDouble extends TimedEngineDouble {
  lastStepDone = false;
  private readonly held: Array<() => void> = [];

  override async generate(request: EngineRequest, options: GenerateOptions = {}): Promise<EngineResult> {
    const result = await super.generate(request, options);
    this.lastStepDone = true;
    await new Promise<void>((resolve) => this.held.push(resolve));
    return result;
  }

  release(): void {
    for (const resolve of this.held.splice(0)) resolve();
  }
}

function contextOf(commands: Commands): CommandContext {
  return commands.context({ user: { platform: 'discord', userId: '1' }, scope: 'guild:1', language: 'en' });
}

type Ask = (commands: Commands, ctx: CommandContext, jobId: string) => Promise<Reply>;

// The answer's first line: /queue's list and a typed /cancel wait a moment for the job to stop, and so hear it end
// done first; the button's answer takes the job's own message, which its result then says so on.
const ASKS: Array<[string, Ask, RegExp]> = [
  [
    'the Cancel button',
    (commands, ctx, id) => commands.pressButton(ctx, `cancel:${id}`),
    /^cancel\.stopping/,
  ],
  [
    'a typed /cancel',
    (commands, ctx, id) => commands.run(ctx, { name: 'cancel', options: { job: id } }),
    /^cancel\.too_late_named$/,
  ],
  [
    '/queue Cancel n',
    (commands, ctx, id) => commands.pressButton(ctx, `queue_cancel:${id}`),
    /^cancel\.too_late_named$/,
  ],
];

describe('a cancel that comes after the last step', () => {
  it.each(ASKS)(
    'asked by %s: the result is delivered and says it finished first',
    async (_, ask, answered) => {
      const engine = new HeldResultEngineDouble(1, 3);
      const finals: Reply[] = [];
      const { commands, store } = commandsOnQueue('cancel-too-late', {
        engine,
        onUpdate: ({ reply }) => {
          if (reply.final) finals.push(reply);
        },
      });
      const ctx = contextOf(commands);
      const jobId = (await commands.run(ctx, { name: 'imagine', options: { prompt: 'a lighthouse' } }))
        .jobId as string;
      await until(() => engine.lastStepDone, 10_000, 'the engine to end its last step');

      const asked = ask(commands, ctx, jobId);
      engine.release();
      const answer = await asked;
      expect(answer.text[0]?.key).toMatch(answered);
      // A named answer names the job it was about: the list's numbered button is gone once the list is redrawn.
      if (answer.text[0]?.key.endsWith('_named'))
        expect(answer.text[0]?.params).toEqual({ prompt: 'a lighthouse', id: jobId.slice(0, 8) });
      await until(() => finals.length > 0, 10_000, 'the job to end');

      expect(store.get(jobId)?.status).toBe('done');
      expect(finals).toHaveLength(1);
      const [final] = finals as [Reply];
      expect(final.outcome).toBe('done');
      expect(final.text.map((line) => line.key)).toEqual(['job.done', 'job.cancel_too_late']);
      expect(final.images?.map((image) => image.mime)).toEqual(['image/png']);
      expect(final.images?.[0]?.data.length).toBeGreaterThan(0);
    },
  );

  it('says nothing of a cancel where none was asked', async () => {
    const finals: Reply[] = [];
    const { commands } = commandsOnQueue('cancel-too-late-none', {
      onUpdate: ({ reply }) => {
        if (reply.final) finals.push(reply);
      },
    });
    const ctx = contextOf(commands);
    await commands.run(ctx, { name: 'imagine', options: { prompt: 'a lighthouse' } });
    await until(() => finals.length > 0, 10_000, 'the job to end');
    expect(finals[0]?.text.map((line) => line.key)).toEqual(['job.done']);
  });
});

const skip = await skipWithoutRedis();
let cluster: Cluster | undefined;

afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

describe.skipIf(skip)('a cancel after the last step, on the shared queue', { timeout: 60_000 }, () => {
  it("is told with the result the front-end delivers, the worker's run held after its last step", async () => {
    cluster = await startCluster({ frontEnds: 1, workers: 1, msPerStep: 1 });
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const engine = (cluster.workers[0] as Cluster['workers'][number]).engine;
    // The worker's own engine double, held after its last step as HeldResultEngineDouble is.
    let lastStepDone = false;
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const generate = engine.generate.bind(engine);
    engine.generate = async (request, options) => {
      const result = await generate(request, options);
      lastStepDone = true;
      await held;
      return result;
    };
    const commands = commandsOnFrontEnd(fe);
    const finals: Reply[] = [];
    commands.subscribe(({ reply }) => {
      if (reply.final) finals.push(reply);
    });
    const ctx = contextOf(commands);
    const jobId = (await commands.run(ctx, { name: 'imagine', options: { prompt: 'a lighthouse' } }))
      .jobId as string;
    await until(() => lastStepDone, 20_000, 'the worker to end its last step');

    const answer = await commands.pressButton(ctx, `cancel:${jobId}`);
    expect(answer.text).toEqual([{ key: 'cancel.stopping' }]);
    // Whether the worker heard it by then or not, the front-end the cancel was asked at knows it was asked.
    release();
    await until(() => finals.length > 0, 20_000, 'the job to end at the front-end');

    expect(fe.store.get(jobId)?.status).toBe('done');
    const [final] = finals as [Reply];
    expect(final.text.map((line) => line.key)).toEqual(['job.done', 'job.cancel_too_late']);
    expect(final.images?.map((image) => image.mime)).toEqual(['image/png']);
    commands.closeUpdates();
  });
});
