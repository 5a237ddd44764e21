// A group on TELEGRAM_CHAT_IDS upgraded to a supergroup (an admin turned on topics or made it public) goes on under
// a new id: the bot keeps serving it there, as Telegram's service messages say, instead of going silent in it. A chat
// never listed stays unserved. The real grammY client against the fake Bot API.
import type { Chat } from 'grammy/types';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FakeTelegram, TelegramCall } from '../../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { useTelegramOnFake } from './telegram-on-fake.js';

const OLD: Chat.GroupChat = { id: -4343, type: 'group', title: 'Listed Group' };
const NEW: Chat.SupergroupChat = { id: -1004343, type: 'supergroup', title: 'Listed Group' };
const OTHER: Chat.SupergroupChat = { id: -1009999, type: 'supergroup', title: 'Not Listed' };

const bot = useTelegramOnFake('telegram-migration-allowed', new TimedEngineDouble(20, 2), {
  env: { TELEGRAM_CHAT_IDS: String(OLD.id) },
});
let fake: FakeTelegram;
beforeAll(() => ({ fake } = bot));

const answerIn = (chat: Chat, messageId: number) => (c: TelegramCall) =>
  c.method === 'sendMessage' &&
  String(c.params.chat_id) === String(chat.id) &&
  c.params.reply_parameters?.message_id === messageId;

describe('Telegram: an allowed group upgraded to a supergroup', { timeout: 30_000 }, () => {
  it('is still served under its new id; an unlisted chat is not', async () => {
    const { alice } = fake.world.users;
    const before = fake.injectText('/help', { chat: OLD, from: alice });
    await fake.waitForCall(answerIn(OLD, before.message_id), 10_000);
    fake.upgradeGroup(OLD.id, NEW);

    const after = fake.injectText('/help', { chat: NEW, from: alice });
    await fake.waitForCall(answerIn(NEW, after.message_id), 10_000);

    fake.state.chats.set(OTHER.id, OTHER);
    const other = fake.injectText('/help', { chat: OTHER, from: alice });
    const later = fake.injectText('/help', { chat: NEW, from: alice });
    await fake.waitForCall(answerIn(NEW, later.message_id), 10_000);
    expect(fake.callsTo(answerIn(OTHER, other.message_id))).toEqual([]);
  });
});
