// /cancel's answer says which job it was about: a bare /cancel names the job it picked (the user's latest waiting or
// running one) by its prompt and short id, as /queue lists it, and so does a typed id or short id (an admin's of
// another user's job as "the job"); an id that is no job of the user's is said so, and the answer names no job to the
// adapter (the playground would take it as news of a job it has no message for). A Cancel button, under the job's
// own message, is answered without the name; an admin's press on another user's job as "the job", not "your job".
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../commands/commands.js';
import type { Reply } from '../../commands/reply.js';
import { t } from '../../src/i18n.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';
import { until } from '../jobs/distributed/redis-harness.js';
import { commandsOnQueue } from './commands-on-queue.js';

function setup(limits?: { maxPerUser: number; maxPerScope: number; maxTotal: number }) {
  const { commands, store } = commandsOnQueue('cancel-answers', {
    engine: new TimedEngineDouble(40, 40),
    ...(limits ? { limits } : {}),
  });
  const ctx = (userId = '1', admin = false): CommandContext =>
    commands.context({ user: { platform: 'web', userId }, scope: `web:${userId}`, language: 'en', admin });
  const imagine = async (prompt: string, userId = '1') =>
    (await commands.run(ctx(userId), { name: 'imagine', options: { prompt } })).jobId as string;
  const cancel = (job?: string, userId = '1', admin = false) =>
    commands.run(ctx(userId, admin), { name: 'cancel', options: job === undefined ? {} : { job } });
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
    // The running one last: it stops at its step's end, which the answer waits for.
    expect((await cancel()).text).toEqual([
      { key: 'cancel.done_named', params: { prompt: 'a slow lighthouse', id: running.slice(0, 8) } },
    ]);
  });

  it('with an id that is no job of the user’s says so and names no job; its own id or prefix names it', async () => {
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
    // Its own job's id, or a prefix of it in any case: the job named as a bare /cancel names it.
    await imagine('first');
    const second = await imagine('second');
    const named = [{ key: 'cancel.done_named', params: { prompt: 'second', id: second.slice(0, 8) } }];
    const answer = await cancel(second.slice(0, 8).toUpperCase());
    expect([answer.text, answer.jobId]).toEqual([named, second]);
    // Cancelled twice: the answer says it already was, not that this /cancel did it.
    expect((await cancel(second)).text).toEqual([
      { key: 'cancel.already_cancelled_named', params: { prompt: 'second', id: second.slice(0, 8) } },
    ]);
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
    const prompt = waiting === oldest[0] ? 'the first' : 'the second';
    expect(store.recentOf({ platform: 'web', userId: '1' }, 50).some((j) => j.id === waiting)).toBe(false);
    const answer = await cancel(waiting.slice(0, 8));
    expect([answer.text, answer.jobId, store.get(waiting)?.status]).toEqual([
      [{ key: 'cancel.done_named', params: { prompt, id: waiting.slice(0, 8) } }],
      waiting,
      'cancelled',
    ]);
  });

  it('with a typed id names the job whatever became of it: stopping, an admin’s of another’s, not a refusal', async () => {
    const { commands, ctx, store, imagine, cancel } = setup();
    const running = await imagine('a slow lighthouse');
    await until(() => store.get(running)?.status === 'running', 10_000, 'the first to run');
    const harbour = await imagine('a harbour');
    const kite = await imagine('a kite');
    // Another user, not an admin: refused by the whole id, the prompt untold.
    const refused = await cancel(harbour, '2');
    expect([refused.text, store.get(harbour)?.status]).toEqual([[{ key: 'job.cancel_refused' }], 'queued']);
    // An admin's short id of another user's job: named by its id, not as "your job", and without the owner's prompt
    // (the answer may go to a group the owner never wrote in).
    const admin = await cancel(kite.slice(0, 8), '7', true);
    expect([admin.text, admin.jobId, store.get(kite)?.status]).toEqual([
      [{ key: 'cancel.done_named_theirs', params: { id: kite.slice(0, 8) } }],
      kite,
      'cancelled',
    ]);
    expect(t('en', 'cancel.done_named_theirs', { id: 'abcd1234' })).toBe('Cancelled the job abcd1234.');
    // The Cancel button under the job's own message: that message says which job, the answer need not.
    expect((await commands.pressButton(ctx(), `cancel:${harbour}`)).text).toEqual([{ key: 'cancel.done' }]);
    // The running one by its short id: named, once it has stopped.
    expect((await cancel(running.slice(0, 8))).text).toEqual([
      { key: 'cancel.done_named', params: { prompt: 'a slow lighthouse', id: running.slice(0, 8) } },
    ]);
    await until(() => store.get(running)?.status === 'cancelled', 10_000, 'the running one to stop');
    // One that ran to its end: as before, not named.
    const quick = await imagine('a quick one --steps 1');
    await until(() => store.get(quick)?.status === 'done', 10_000, 'the quick one to finish');
    expect((await cancel(quick.slice(0, 8))).text).toEqual([{ key: 'cancel.finished' }]);
  });

  it('with the id of a job that had already ended says so: cancelled before, or finished', async () => {
    const { commands, ctx, store, imagine, cancel } = setup();
    const running = await imagine('a slow lighthouse');
    await until(() => store.get(running)?.status === 'running', 10_000, 'the first to run');
    const harbour = await imagine('a harbour');
    const kite = await imagine('a kite', '2');
    const named = { prompt: 'a harbour', id: harbour.slice(0, 8) };
    // The first /cancel cancels it; every later one, by short id or whole, says it already was.
    expect((await cancel(harbour.slice(0, 8))).text).toEqual([{ key: 'cancel.done_named', params: named }]);
    for (const typed of [harbour.slice(0, 8), harbour]) {
      const again = await cancel(typed);
      expect([typed, again.text, again.jobId]).toEqual([
        typed,
        [{ key: 'cancel.already_cancelled_named', params: named }],
        harbour,
      ]);
    }
    expect(t('en', 'cancel.already_cancelled_named', named)).toBe(
      `Your job “a harbour” (${named.id}) was already cancelled.`,
    );
    // A second press of the Cancel button under the job's message is answered as the first (that message says it).
    expect((await commands.pressButton(ctx(), `cancel:${harbour}`)).text).toEqual([{ key: 'cancel.done' }]);
    // An admin's of another user's job: by its id, "the job".
    expect((await cancel(kite, '2')).text[0]?.key).toBe('cancel.done_named');
    expect((await cancel(kite, '7', true)).text).toEqual([
      { key: 'cancel.already_cancelled_named_theirs', params: { id: kite.slice(0, 8) } },
    ]);
    // A running one stopped by the first /cancel (its answer waits for that): already cancelled after.
    expect((await cancel(running)).text[0]?.key).toBe('cancel.done_named');
    await until(() => store.get(running)?.status === 'cancelled', 10_000, 'the running one to stop');
    expect((await cancel(running)).text[0]?.key).toBe('cancel.already_cancelled_named');
    // One that ran to its end: finished, as before.
    const quick = await imagine('a quick one --steps 1');
    await until(() => store.get(quick)?.status === 'done', 10_000, 'the quick one to finish');
    expect((await cancel(quick)).text).toEqual([{ key: 'cancel.finished' }]);
  });

  it('answers an admin’s Cancel button on another user’s job as the job, for the admin alone', async () => {
    const { commands, ctx, store, imagine } = setup();
    const owned: Reply[] = [];
    commands.subscribe(({ job, reply }) => {
      if (job.owner.userId === '1' && reply.final) owned.push(reply);
    });
    const running = await imagine('a slow lighthouse');
    await until(() => store.get(running)?.status === 'running', 10_000, 'the first to run');
    const harbour = await imagine('a harbour');
    const kite = await imagine('a kite');
    const press = (jobId: string, userId: string, admin = false) =>
      commands.pressButton(ctx(userId, admin), `cancel:${jobId}`);
    // Under the owner's message, pressed by an admin: the answer is theirs (ephemeral), about "the job".
    const waiting = await press(harbour, '7', true);
    expect([waiting.text, waiting.ephemeral, waiting.jobId, store.get(harbour)?.status]).toEqual([
      [{ key: 'cancel.done_theirs' }],
      true,
      harbour,
      'cancelled',
    ]);
    expect(t('en', 'cancel.done_theirs')).toBe('The job was cancelled.');
    // The owner's own press keeps "your job", and so does the admin's on their own job (both still waiting).
    expect((await press(kite, '1')).text).toEqual([{ key: 'cancel.done' }]);
    const own = await imagine('the admin’s own', '7');
    expect((await press(own, '7', true)).text).toEqual([{ key: 'cancel.done' }]);
    // The running one: stopping.
    expect((await press(running, '7', true)).text).toEqual([{ key: 'cancel.stopping_theirs' }]);
    expect(t('en', 'cancel.stopping_theirs')).toBe('Stopping the job…');
    // The owner's job messages still say what became of them, as for their own press.
    await until(() => owned.length === 3, 10_000, 'the owner’s three jobs to end');
    expect(owned.map((reply) => reply.text)).toEqual(Array(3).fill([{ key: 'job.cancelled' }]));
  });
});
