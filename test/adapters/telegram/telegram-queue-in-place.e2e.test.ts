// /queue's Cancel n and Refresh on Telegram: the list pressed on is edited to the list as it now stands, and the
// presser's spinner answered with the cancel line (Refresh: the list's summary); nothing new is sent to the chat. A
// list Telegram will not edit (deleted meanwhile) is answered as a new message in a private chat, but in a group the
// presser alone is told the cancel line by an alert: the group never sees a list nobody there asked for. Someone
// else's Refresh in a group is refused by an alert to them alone, the list left as it was.
import type { Message } from 'grammy/types';
import { beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { FakeTelegram, TelegramCall } from '../../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { inChat, textOf, useTelegramOnFake } from './telegram-on-fake.js';

// The first job runs for a minute (cancelled at each test's end, within a step): a run of 4 s stood in for "still
// running", and a loaded machine, queueing three jobs and listing them, saw it end first, so the list had a job fewer
// than the test named.
const bot = useTelegramOnFake('telegram-queue-in-place', new TimedEngineDouble(1000, 60));
let fake: FakeTelegram;
beforeAll(() => {
  fake = bot.fake;
});

/** The cancel's line: it names the job, as the numbered button pressed is gone from the list. */
const cancelledLine = (prompt: string, job: string | undefined) =>
  t('en', 'cancel.done_named', { prompt, id: (job as string).slice(0, 8) });
const idsIn = (action: string, call: TelegramCall) =>
  [
    ...JSON.stringify(call.params.reply_markup ?? '').matchAll(new RegExp(`${action}:([0-9a-f-]{36})`, 'g')),
  ].map((m) => m[1] as string);
const cancelsIn = (call: TelegramCall) => idsIn('queue_cancel', call);

/** Three jobs of Alice's in `chat`, then her /queue list there: its message and the jobs its buttons cancel. */
async function listIn(chat: 'group' | undefined, chatId: number, word: string) {
  for (const n of [1, 2, 3]) {
    await bot.statusOf(fake.injectText(`/imagine ${word} ${n}`, chat ? { chat } : {}));
  }
  const asked = fake.calls.length;
  fake.injectText('/queue', chat ? { chat } : {});
  const listed = await fake.waitForCall(
    (c) => fake.calls.indexOf(c) >= asked && c.method === 'sendMessage' && inChat(chatId)(c),
    10_000,
  );
  const message = fake.message(chatId, (listed.result as Message).message_id) as Message;
  const jobs = cancelsIn(listed);
  expect(idsIn('queue_refresh', listed)).toEqual([jobs[0]]);
  return { message, jobs, after: fake.calls.length };
}

const sentSince = (after: number, chatId: number) =>
  fake.calls.slice(after).filter((c) => c.method === 'sendMessage' && inChat(chatId)(c));

describe('Telegram: /queue Cancel n and Refresh in place', { timeout: 60_000 }, () => {
  it('edits the pressed list to the list as it now stands, in a private chat and in a group', async () => {
    for (const chat of [undefined, 'group' as const]) {
      const chatId = chat ? fake.world.group.id : fake.world.users.alice.id;
      const word = `a lantern in ${chat ?? 'private'}`;
      const { message, jobs, after } = await listIn(chat, chatId, word);
      const CANCELLED = cancelledLine(`${word} 3`, jobs[2]);
      const query = fake.injectCallbackQuery(message, `queue_cancel:${jobs[2]}`);
      const edit = await fake.waitForCall(
        (c) =>
          c.method === 'editMessageText' && inChat(chatId)(c) && c.params.message_id === message.message_id,
        10_000,
      );
      expect(edit.status).toBe(200);
      expect(textOf(edit).split('\n')[0]).toBe(CANCELLED);
      expect(cancelsIn(edit)).toEqual(jobs.slice(0, 2));
      const answered = await fake.waitForCall(
        (c) => c.method === 'answerCallbackQuery' && c.params.callback_query_id === query.id,
        5000,
      );
      expect([answered.params.text, answered.params.show_alert]).toEqual([CANCELLED, undefined]);
      expect(sentSince(after, chatId)).toEqual([]);
      await cancelAll(chatId, jobs);
    }
  });

  it('a list that cannot be edited: a new message in a private chat, an alert of the cancel line in a group', async () => {
    for (const chat of [undefined, 'group' as const]) {
      const chatId = chat ? fake.world.group.id : fake.world.users.alice.id;
      const word = `a kite gone from ${chat ?? 'private'}`;
      const { message, jobs, after } = await listIn(chat, chatId, word);
      const CANCELLED = cancelledLine(`${word} 3`, jobs[2]);
      fake.deleteMessage(chatId, message.message_id);
      const query = fake.injectCallbackQuery(message, `queue_cancel:${jobs[2]}`);
      const answered = await fake.waitForCall(
        (c) => c.method === 'answerCallbackQuery' && c.params.callback_query_id === query.id,
        10_000,
      );
      if (chat) {
        expect([answered.params.text, answered.params.show_alert]).toEqual([CANCELLED, true]);
        // Nothing of it reaches the group.
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(sentSince(after, chatId)).toEqual([]);
      } else {
        const sent = await fake.waitForCall(
          (c) => fake.calls.indexOf(c) >= after && c.method === 'sendMessage' && inChat(chatId)(c),
          10_000,
        );
        expect(textOf(sent).split('\n')[0]).toBe(CANCELLED);
        expect(cancelsIn(sent)).toEqual(jobs.slice(0, 2));
      }
      await cancelAll(chatId, jobs);
    }
  });

  it("Refresh edits the owner's list to the list as it now stands; another's press in a group alerts them", async () => {
    for (const chat of [undefined, 'group' as const]) {
      const chatId = chat ? fake.world.group.id : fake.world.users.alice.id;
      const { message, jobs } = await listIn(chat, chatId, `a fresh kite ${chat ?? 'private'}`);
      expect(jobs).toHaveLength(3);
      const owner = { platform: 'telegram' as const, userId: String(fake.world.users.alice.id) };
      const { store, queue } = bot.services.jobs;
      queue.cancel(jobs[0] as string, owner);
      await expect.poll(() => store.get(jobs[0] as string)?.status, { timeout: 10_000 }).toBe('cancelled');
      const after = fake.calls.length;
      const since = () => fake.calls.slice(after);
      // The jobs' own status messages in the chat are edited as they run: only what touches a list counts here.
      const ofList = (c: TelegramCall) =>
        inChat(chatId)(c) &&
        (c.params.message_id === message.message_id ||
          /queue_/.test(JSON.stringify(c.params.reply_markup ?? '')));

      if (chat) {
        const bob = fake.world.users.bob;
        const refused = fake.injectCallbackQuery(message, `queue_refresh:${jobs[0]}`, bob);
        const alert = await fake.waitForCall(
          (c) => c.method === 'answerCallbackQuery' && c.params.callback_query_id === refused.id,
          10_000,
        );
        expect([alert.params.text, alert.params.show_alert]).toEqual([
          t('zh-CN', 'errors.queue.not_yours'),
          true,
        ]);
        expect(since().filter(ofList)).toEqual([]);
      }

      const query = fake.injectCallbackQuery(message, `queue_refresh:${jobs[0]}`);
      const edit = await fake.waitForCall(
        (c) =>
          c.method === 'editMessageText' && inChat(chatId)(c) && c.params.message_id === message.message_id,
        10_000,
      );
      expect(edit.status).toBe(200);
      expect(textOf(edit)).not.toContain((jobs[0] as string).slice(0, 8));
      expect(textOf(edit)).toContain((jobs[1] as string).slice(0, 8));
      expect(cancelsIn(edit)).toEqual(jobs.slice(1));
      expect(idsIn('queue_refresh', edit)).toEqual([jobs[1]]);
      const answered = await fake.waitForCall(
        (c) => c.method === 'answerCallbackQuery' && c.params.callback_query_id === query.id,
        5000,
      );
      // The toast is the list's first line: its summary.
      expect([String(answered.params.text).startsWith('Queue: '), answered.params.show_alert]).toEqual([
        true,
        undefined,
      ]);
      expect(since().filter((c) => c.method === 'sendMessage' && ofList(c))).toEqual([]);
      await cancelAll(chatId, jobs.slice(1));
    }
  });
});

/** Cancels what a test left running or waiting, and waits until it has ended. */
async function cancelAll(chatId: number, jobs: readonly string[]) {
  const ctx = bot.commands.context({
    user: { platform: 'telegram', userId: String(fake.world.users.alice.id) },
    scope: `chat:${chatId}`,
    language: 'en',
  });
  for (const job of jobs) await bot.commands.pressButton(ctx, `cancel:${job}`);
  const active = () => bot.services.jobs.store.byStatus('queued', 'running').length;
  await expect.poll(active, { timeout: 10_000 }).toBe(0);
}
