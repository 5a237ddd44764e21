// /queue's numbered Cancel: the press is answered with the list as it now stands, so the job just cancelled is no
// longer offered (shown in place of the list pressed on: `replaceSource`, queue-cancel-in-place.test.ts), a running
// job once its step has ended (one still stopping past the wait: queue-progress.test.ts), and a button of the old
// list on a job that has ended says so.
import { afterEach, describe, expect, it } from 'vitest';
import type { Commands } from '../../commands/commands.js';
import type { CommandContext } from '../../commands/context.js';
import type { Reply } from '../../commands/reply.js';
import type { Owner } from '../../src/jobs/index.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';
import {
  type Cluster,
  skipWithoutRedis,
  startCluster,
  until as untilTrue,
} from '../jobs/distributed/redis-harness.js';
import { commandsOnFrontEnd, commandsOnQueue } from './commands-on-queue.js';

const keysOf = (reply: Reply) => reply.text.map((line) => line.key);
const cancelIds = (reply: Reply) =>
  (reply.buttons ?? [])
    .flat()
    .filter((b) => b.id.startsWith('queue_cancel:'))
    .map((b) => [b.id.replace(/:.*/, ''), b.id.slice(b.id.indexOf(':') + 1), b.params?.n]);

function contextOf(commands: Commands, userId: string): CommandContext {
  return commands.context({ user: { platform: 'discord', userId }, scope: 'guild:1', language: 'en' });
}

async function until(check: () => boolean, what: string): Promise<void> {
  await untilTrue(check, 10_000, what);
}

describe('/queue Cancel n', () => {
  it('answers with the list as it now stands: the cancelled job gone, a running one once it has stopped', async () => {
    const { commands, store } = commandsOnQueue('queue-cancel', { engine: new TimedEngineDouble(40, 40) });
    const ctx = contextOf(commands, '1');
    const imagine = async (prompt: string) =>
      (await commands.run(ctx, { name: 'imagine', options: { prompt } })).jobId as string;
    const first = await imagine('a slow lighthouse');
    await until(() => store.get(first)?.status === 'running', 'the first to run');
    const second = await imagine('a harbour');
    const third = await imagine('a kite');
    const list = await commands.run(ctx, { name: 'queue' });
    expect(cancelIds(list)).toEqual([
      ['queue_cancel', first, 1],
      ['queue_cancel', second, 2],
      ['queue_cancel', third, 3],
    ]);

    const waiting = await commands.pressButton(ctx, `queue_cancel:${third}`);
    // Named as /cancel names it: the number pressed is gone once the list is redrawn.
    expect(waiting.text[0]).toEqual({
      key: 'cancel.done_named',
      params: { prompt: 'a kite', id: third.slice(0, 8) },
    });
    expect(keysOf(waiting)).toEqual([
      'cancel.done_named',
      'queue.summary',
      // Plain, or with its percent once its first 40 ms step ended (queue-progress.test.ts).
      expect.stringMatching(/^queue\.mine_running(_progress)?$/),
      'queue.mine_queued',
    ]);
    expect(cancelIds(waiting)).toEqual([
      ['queue_cancel', first, 1],
      ['queue_cancel', second, 2],
    ]);
    // For the presser, in place of their list: it carries no job id (else the playground takes it as the job's news).
    expect([waiting.ephemeral, waiting.jobId]).toEqual([true, undefined]);

    // A running job: the answer waits for its step to end (40 ms), so the list shows it gone, not "stopping" (which
    // nothing would update later, the job long cancelled).
    const running = await commands.pressButton(ctx, `queue_cancel:${first}`);
    expect(store.get(first)?.status).toBe('cancelled');
    expect(running.text[0]?.params).toEqual({ prompt: 'a slow lighthouse', id: first.slice(0, 8) });
    expect(keysOf(running)).toEqual([
      'cancel.done_named',
      'queue.summary',
      // The next one may have started meanwhile.
      expect.stringMatching(/^queue\.mine_(queued|running(_progress)?)$/),
    ]);
    expect(running.text[2]?.params).toMatchObject({ n: 1, prompt: 'a harbour', id: second.slice(0, 8) });
    expect(cancelIds(running)).toEqual([['queue_cancel', second, 1]]);
    expect([running.replaceSource, running.jobId]).toEqual([true, undefined]);
  });

  it("shows a running job's own message stopping at once, as a typed /cancel does", async () => {
    // The list is a message apart from the job's: that one would show its live Cancel until the step ends.
    const heard: { reply: Reply; at: number }[] = [];
    const { commands, store } = commandsOnQueue('queue-cancel-stopping', {
      engine: new TimedEngineDouble(700, 20),
      onUpdate: ({ reply }) => {
        heard.push({ reply, at: Date.now() });
      },
    });
    const ctx = contextOf(commands, '1');
    const job = (await commands.run(ctx, { name: 'imagine', options: { prompt: 'a lighthouse' } }))
      .jobId as string;
    await until(() => store.get(job)?.status === 'running', 'the job to run');
    const pressedAt = Date.now();
    const answer = await commands.pressButton(ctx, `queue_cancel:${job}`);
    expect(answer.text[0]?.key).toBe('cancel.done_named');
    const stopping = heard.find((h) => h.at >= pressedAt && h.reply.text[0]?.key === 'cancel.stopping');
    expect(stopping?.reply).toEqual({
      jobId: job,
      ephemeral: false,
      urgent: true,
      text: [{ key: 'cancel.stopping' }],
    });
    // Well within the step the job was in (700 ms).
    expect((stopping?.at ?? Number.POSITIVE_INFINITY) - pressedAt).toBeLessThan(300);
  });

  it('answers a button of an old list on a job that has ended so, with the list as it now stands', async () => {
    const { commands, store } = commandsOnQueue('queue-cancel-ended', {
      engine: new TimedEngineDouble(5, 3),
    });
    const ctx = contextOf(commands, '1');
    const done = (await commands.run(ctx, { name: 'imagine', options: { prompt: 'a quick fox' } }))
      .jobId as string;
    await until(() => store.get(done)?.status === 'done', 'the job to finish');
    const finished = await commands.pressButton(ctx, `queue_cancel:${done}`);
    expect(keysOf(finished)).toEqual(['cancel.finished', 'queue.summary']);
    expect(finished.buttons ?? []).toEqual([]);
  });

  it('answers a button of an old list on a job cancelled before it so, by name', async () => {
    const { commands } = commandsOnQueue('queue-cancel-again', { start: false });
    const ctx = contextOf(commands, '1');
    const job = (await commands.run(ctx, { name: 'imagine', options: { prompt: 'a heron' } }))
      .jobId as string;
    const first = await commands.pressButton(ctx, `queue_cancel:${job}`);
    expect(first.text[0]).toEqual({
      key: 'cancel.done_named',
      params: { prompt: 'a heron', id: job.slice(0, 8) },
    });
    const again = await commands.pressButton(ctx, `queue_cancel:${job}`);
    expect(again.text[0]).toEqual({
      key: 'cancel.already_cancelled_named',
      params: { prompt: 'a heron', id: job.slice(0, 8) },
    });
  });

  it("answers an admin's press on another's job alone, not with the admin's own list", async () => {
    const { commands } = commandsOnQueue('queue-cancel-admin', { start: false });
    const owner = contextOf(commands, '1');
    const admin = commands.context({
      user: { platform: 'discord', userId: '9' },
      scope: 'guild:1',
      language: 'en',
      admin: true,
    });
    const job = (await commands.run(owner, { name: 'imagine', options: { prompt: 'a fox' } }))
      .jobId as string;
    await commands.run(admin, { name: 'imagine', options: { prompt: "the admin's own" } });
    const answer = await commands.pressButton(admin, `queue_cancel:${job}`);
    // Not "your job": the job is the owner's.
    expect(answer.text).toEqual([{ key: 'cancel.done_theirs' }]);
    expect([answer.buttons ?? [], answer.ephemeral, answer.jobId]).toEqual([[], true, undefined]);
    // The admin's own job, from their own list: "your job", and the list in place.
    const own = (await commands.run(admin, { name: 'queue' })).buttons
      ?.flat()
      .find((b) => b.id.startsWith('queue_cancel:'))?.id as string;
    expect(keysOf(await commands.pressButton(admin, own))[0]).toBe('cancel.done_named');
  });
});

const skip = await skipWithoutRedis();
let cluster: Cluster | undefined;

afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

describe.skipIf(skip)('/queue Cancel n on the shared queue', { timeout: 60_000 }, () => {
  it('leaves the cancelled waiting job out though the shared view still shows it waiting', async () => {
    cluster = await startCluster({ frontEnds: 1, workers: 0 });
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const commands = commandsOnFrontEnd(fe);
    const owner: Owner = { platform: 'discord', userId: '1' };
    const ctx = contextOf(commands, owner.userId);
    const imagine = async (prompt: string) =>
      (await commands.run(ctx, { name: 'imagine', options: { prompt } })).jobId as string;
    const first = await imagine('a fox');
    const second = await imagine('a heron');
    await fe.queue.flush();
    await until(() => fe.queue.plannedOrder().length === 2, 'both in the shared view');

    const answer = await commands.pressButton(ctx, `queue_cancel:${first}`);
    expect(keysOf(answer)).toEqual(['cancel.done_named', 'queue.summary', 'queue.mine_queued_unmeasured']);
    expect(answer.text[1]?.params).toEqual({ queued: 1, running: 0 });
    expect(cancelIds(answer)).toEqual([['queue_cancel', second, 1]]);
    commands.closeUpdates();
  });

  it("answers a running job's Cancel once the worker has stopped it, the list without it", async () => {
    // Three steps of 500 ms: the worker sees the abort at the end of the step it is in.
    cluster = await startCluster({ frontEnds: 1, workers: 1, msPerStep: 500 });
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const commands = commandsOnFrontEnd(fe);
    const ctx = contextOf(commands, '1');
    const job = (await commands.run(ctx, { name: 'imagine', options: { prompt: 'a fox' } })).jobId as string;
    await until(() => fe.store.get(job)?.status === 'running', 'the job to run');

    const answer = await commands.pressButton(ctx, `queue_cancel:${job}`);
    expect(fe.store.get(job)?.status).toBe('cancelled');
    expect(answer.text).toEqual([
      { key: 'cancel.done_named', params: { prompt: 'a fox', id: job.slice(0, 8) } },
      { key: 'queue.summary', params: { queued: 0, running: 0 } },
    ]);
    expect([answer.replaceSource, answer.buttons]).toEqual([true, []]);
    commands.closeUpdates();
  });
});
