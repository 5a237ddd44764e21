// /queue's Refresh on Telegram: the list pressed on is edited to the list as it now stands (a job that ended since
// gone), and nothing new is sent to the chat. In a group everyone sees the list: a press by someone else is refused
// by an alert to them alone, and the list is left as it was, never replaced by the presser's own.
import type { Message } from 'grammy/types';
import { beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { FakeTelegram, TelegramCall } from '../../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { inChat, textOf, useTelegramOnFake } from './telegram-on-fake.js';

// Each job runs 4 s: the first one runs while the others wait.
const bot = useTelegramOnFake('telegram-queue-refresh', new TimedEngineDouble(200, 20));
let fake: FakeTelegram;
beforeAll(() => {
  fake = bot.fake;
});

const idsIn = (action: string, call: TelegramCall) =>
  [
    ...JSON.stringify(call.params.reply_markup ?? '').matchAll(new RegExp(`${action}:([0-9a-f-]{36})`, 'g')),
  ].map((m) => m[1] as string);

describe('Telegram: /queue Refresh in place', { timeout: 60_000 }, () => {
  it("edits the owner's list to the list as it now stands; another's press in a group alerts them", async () => {
    for (const chat of [undefined, 'group' as const]) {
      const chatId = chat ? fake.world.group.id : fake.world.users.alice.id;
      for (const n of [1, 2, 3])
        await bot.statusOf(
          fake.injectText(`/imagine a fresh kite ${chat ?? 'private'} ${n}`, chat ? { chat } : {}),
        );
      const asked = fake.calls.length;
      fake.injectText('/queue', chat ? { chat } : {});
      const listed = await fake.waitForCall(
        (c) => fake.calls.indexOf(c) >= asked && c.method === 'sendMessage' && inChat(chatId)(c),
        10_000,
      );
      const jobs = idsIn('queue_cancel', listed);
      expect(jobs).toHaveLength(3);
      expect(idsIn('queue_refresh', listed)).toEqual([jobs[0]]);
      const message = fake.message(chatId, (listed.result as Message).message_id) as Message;
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
      expect(idsIn('queue_cancel', edit)).toEqual(jobs.slice(1));
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

      for (const job of jobs.slice(1)) queue.cancel(job, owner);
      await expect.poll(() => store.byStatus('queued', 'running').length, { timeout: 10_000 }).toBe(0);
    }
  });
});
