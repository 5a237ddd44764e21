// A group upgraded to a supergroup while a job of it runs (an admin turned on topics or made it public), with the
// real grammY client against the fake Bot API: Telegram refuses every call naming the old chat id and gives the new
// one (`migrate_to_chat_id`), so the result, the chat action and anything said later must go to the new chat.
import type { Chat, Message } from 'grammy/types';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FakeTelegram, TelegramCall } from '../../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { jobIdIn, textOf, useTelegramOnFake } from './telegram-on-fake.js';

// Slow enough (8 × 80 ms) for the group to be upgraded while the job runs.
const bot = useTelegramOnFake('telegram-migration', new TimedEngineDouble(80, 8));
let fake: FakeTelegram;
beforeAll(() => ({ fake } = bot));

const OLD: Chat.GroupChat = { id: -4242, type: 'group', title: 'Small Group' };
const NEW: Chat.SupergroupChat = { id: -1004242, type: 'supergroup', title: 'Small Group' };

const to = (chat: Chat) => (c: TelegramCall) => String(c.params.chat_id) === String(chat.id);

describe('Telegram: a group upgraded to a supergroup mid-job', { timeout: 60_000 }, () => {
  it('the result goes to the new chat, and so does everything after it', async () => {
    const { alice } = fake.world.users;
    const request = fake.injectText('/imagine a fox before the upgrade', { chat: OLD, from: alice });
    const { jobId } = await bot.statusOf(request);
    await fake.waitForCall((c) => c.method === 'editMessageText' && to(OLD)(c), 10_000);
    const from = fake.calls.length;
    fake.upgradeGroup(OLD.id, NEW);

    await bot.ended(jobId);
    expect(bot.deliveries.get(jobId)).toBe('replied');
    const result = await fake.waitForCall(
      (c) => c.method === 'sendPhoto' && c.status === 200 && jobIdIn(c) === jobId,
      10_000,
    );
    expect(result.params.chat_id).toBe(NEW.id);
    expect((result.result as Message).chat.id).toBe(NEW.id);
    // The first refusal taught the bot the new id: the status message was left alone (it stays in the old chat),
    // and nothing more was sent to the old chat.
    const after = fake.calls.slice(from).filter((c) => c.method !== 'getUpdates');
    expect(after.filter(to(OLD)).length).toBeLessThanOrEqual(1);
    expect(after.filter((c) => /^send/.test(c.method) && c.status === 200).every(to(NEW))).toBe(true);

    // A later command in the new chat is answered there, as usual.
    const next = fake.injectText('/help', { chat: NEW, from: alice });
    const help = await fake.waitForCall(
      (c) =>
        c.method === 'sendMessage' && to(NEW)(c) && c.params.reply_parameters?.message_id === next.message_id,
      10_000,
    );
    expect(textOf(help)).toContain('/imagine');
  });
});
