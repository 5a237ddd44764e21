// /cancel's answer says which job it was about: a bare /cancel names the job it picked (the user's latest waiting or
// running one) by its prompt and short id, as /queue lists it; an id that is no job of the user's is said so, and the
// answer names no job to the adapter (the playground would take it as news of a job it has no message for).
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../commands/commands.js';
import { t } from '../../src/i18n.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';
import { until } from '../jobs/distributed/redis-harness.js';
import { commandsOnQueue } from './commands-on-queue.js';

function setup(limits?: { maxPerUser: number; maxPerScope: number; maxTotal: number }) {
  const { commands, store } = commandsOnQueue('cancel-answers', {
    engine: new TimedEngineDouble(40, 40),
    ...(limits ? { limits } : {}),
  });
  const ctx = (userId = '1'): CommandContext =>
    commands.context({ user: { platform: 'web', userId }, scope: `web:${userId}`, language: 'en' });
  const imagine = async (prompt: string, userId = '1') =>
    (await commands.run(ctx(userId), { name: 'imagine', options: { prompt } })).jobId as string;
  const cancel = (job?: string, userId = '1') =>
    commands.run(ctx(userId), { name: 'cancel', options: job === undefined ? {} : { job } });
  return { commands, store, ctx, imagine, cancel };
}

describe('/cancel', () => {
  it('without an id cancels the latest waiting or running job and names it', async () => {
    const { commands, ctx, store, imagine, cancel } = setup();
    const running = await imagine('a slow lighthouse');
    await until(() => store.get(running)?.status === 'running', 10_000, 'the first to run');
    const waiting = [
      await imagine('a harbour'),
      await imagine('a kite'),
      await imagine(`a ${'very '.repeat(30)}long kite`),
    ];
    const newest = waiting[2] as string;
    // Shortened as /queue shows it.
    const listed = (await commands.run(ctx(), { name: 'queue' })).text.find(
      (line) => line.params?.id === newest.slice(0, 8),
    );
    expect(listed?.params?.prompt).toMatch(/^a (very )+ve…$/);
    const first = await cancel();
    expect(first.text).toEqual([
      { key: 'cancel.done_named', params: { prompt: listed?.params?.prompt, id: newest.slice(0, 8) } },
    ]);
    expect(first.jobId).toBe(newest);
    expect(store.get(newest)?.status).toBe('cancelled');
    expect(t('en', 'cancel.done_named', { prompt: 'a kite', id: 'abcd1234' })).toBe(
      'Cancelled your job “a kite” (abcd1234).',
    );
    for (const id of waiting.slice(0, 2).reverse()) {
      expect((await cancel()).text[0]?.params?.id).toBe(id.slice(0, 8));
    }
    // The running one last: it stops at its step's end.
    expect((await cancel()).text).toEqual([
      { key: 'cancel.stopping_named', params: { prompt: 'a slow lighthouse', id: running.slice(0, 8) } },
    ]);
  });

  it('with an id that is no job of the user’s says so and names no job; its own id or prefix as before', async () => {
    const { commands, ctx, imagine, cancel } = setup();
    const others = await imagine('a fox', '2');
    for (const typed of ['zzzz', '12', others.slice(0, 8)]) {
      const answer = await cancel(typed);
      expect([typed, answer.text, answer.jobId]).toEqual([
        typed,
        [{ key: 'cancel.unknown_id', params: { id: typed } }],
        undefined,
      ]);
    }
    expect(t('en', 'cancel.unknown_id', { id: 'zzzz' })).toBe(
      'No job of yours has the id “zzzz”. /queue lists them.',
    );
    // Its own job's id, or a prefix of it in any case: answered as before.
    await imagine('first');
    const second = await imagine('second');
    const answer = await cancel(second.slice(0, 8).toUpperCase());
    expect([answer.text, answer.jobId]).toEqual([[{ key: 'cancel.done' }], second]);
    expect((await cancel(second)).text).toEqual([{ key: 'cancel.done' }]);
    // A Cancel button names a job that existed: one gone is said so, as before.
    const gone = '0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f';
    expect((await commands.pressButton(ctx(), `cancel:${gone}`)).text).toEqual([
      { key: 'errors.job.not_found' },
    ]);
  });

  it('takes the short id /queue shows for a waiting job older than the user’s recent ones', async () => {
    const { store, imagine, cancel } = setup({ maxPerUser: 70, maxPerScope: 70, maxTotal: 70 });
    const oldest = [await imagine('the first'), await imagine('the second')];
    for (let i = 0; i < 55; i++) await imagine(`newer ${i}`);
    const waiting = oldest.find((id) => store.get(id)?.status === 'queued') as string;
    expect(store.recentOf({ platform: 'web', userId: '1' }, 50).some((j) => j.id === waiting)).toBe(false);
    const answer = await cancel(waiting.slice(0, 8));
    expect([answer.text, answer.jobId, store.get(waiting)?.status]).toEqual([
      [{ key: 'cancel.done' }],
      waiting,
      'cancelled',
    ]);
  });
});
