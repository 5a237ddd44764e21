// Who a Telegram update speaks for (adapters/telegram/senders.ts), with the real grammY client against the fake Bot
// API: an anonymous admin's request is its group's (not one identity shared by every anonymous admin everywhere),
// a message nobody sent is not run, channel posts are ignored, and the buttons of a group's result are its admins'.
import type { Chat, Message, User } from 'grammy/types';
import { beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import { autoEntities } from '../../doubles/fake-telegram/builders.js';
import type { FakeTelegram, TelegramCall } from '../../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { jobIdIn, useTelegramOnFake } from './telegram-on-fake.js';

const bot = useTelegramOnFake('telegram-senders', new TimedEngineDouble(20, 3));
let fake: FakeTelegram;
beforeAll(() => ({ fake } = bot));

/** Telegram's stand-in author of every anonymous admin's message. */
const ANONYMOUS: User = { id: 1087968824, is_bot: true, first_name: 'Group', username: 'GroupAnonymousBot' };
const otherGroup: Chat = { id: -100200301, type: 'supergroup', title: 'Other Group' };

/** A message as Telegram sends it, with whatever `from` and `sender_chat` (or neither). */
function inject(chat: Chat, text: string, fields: Partial<Message>): Message {
  const entities = autoEntities(text);
  const message = fake.state.compose(chat, { text, ...(entities.length > 0 ? { entities } : {}), ...fields });
  fake.state.store(message);
  fake.injectUpdate({ message });
  return message;
}

const jobsOf = (userId: number | string) =>
  bot.services.jobs.store.recentOf({ platform: 'telegram', userId: String(userId) }, 50);
const answering = (request: Message) => (c: TelegramCall) =>
  String(c.params.chat_id) === String(request.chat.id) &&
  c.params.reply_parameters?.message_id === request.message_id;

describe('Telegram senders', { timeout: 60_000 }, () => {
  it('an anonymous admin’s request is its group’s: two groups are two owners, the stand-in owns nothing', async () => {
    const group = fake.world.group;
    const here = inject(group, '/imagine for the group', { from: ANONYMOUS, sender_chat: group });
    const there = inject(otherGroup, '/imagine for the other', { from: ANONYMOUS, sender_chat: otherGroup });
    await fake.waitForCall((c) => answering(here)(c) && jobIdIn(c) !== undefined, 10_000);
    await fake.waitForCall((c) => answering(there)(c) && jobIdIn(c) !== undefined, 10_000);
    expect(jobsOf(group.id).map((j) => (j.request as { prompt?: string }).prompt)).toEqual(['for the group']);
    expect(jobsOf(otherGroup.id).map((j) => (j.request as { prompt?: string }).prompt)).toEqual([
      'for the other',
    ]);
    expect(jobsOf(ANONYMOUS.id)).toEqual([]);
  });

  it('a message with neither a sender nor a sender chat is not run; the chat is still served', async () => {
    const group = fake.world.group;
    const nobody = inject(group, '/imagine from nobody', {});
    const marker = fake.injectText('/help', { chat: 'group' });
    await fake.waitForCall(answering(marker), 10_000);
    expect(jobsOf(0)).toEqual([]);
    expect(fake.callsTo(answering(nobody))).toEqual([]);
  });

  it('a channel post is ignored', async () => {
    const channel: Chat = { id: -100900900, type: 'channel', title: 'A Channel' };
    const post = fake.state.compose(channel, {
      text: '/imagine a post',
      entities: autoEntities('/imagine a post'),
      sender_chat: channel,
    });
    fake.state.store(post);
    fake.injectUpdate({ channel_post: post });
    const marker = fake.injectText('/help');
    await fake.waitForCall(answering(marker), 10_000);
    expect(jobsOf(channel.id)).toEqual([]);
    expect(fake.callsTo((c) => String(c.params.chat_id) === String(channel.id))).toEqual([]);
  });

  it('the buttons of a group’s result are its admins’: a member may not delete it, the creator may', async () => {
    const group = fake.world.group;
    const { alice, bob } = fake.world.users;
    const request = inject(group, '/imagine a group fox', { from: ANONYMOUS, sender_chat: group });
    const result = await fake.waitForCall((c) => c.method === 'sendPhoto' && answering(request)(c), 15_000);
    const jobId = jobIdIn(result) as string;
    const messageId = (result.result as Message).message_id;
    const photo = fake.message(group.id, messageId) as Message;
    // Re-roll is anyone's (their own job); an admin's counts as the group's, as the request it repeats did. Pressed
    // before the Delete below: a deleted job's files are gone and its buttons answer so.
    fake.injectCallbackQuery(photo, `reroll:${jobId}`, alice);
    const rerolled = () =>
      jobsOf(group.id).filter((j) => j.id !== jobId && j.meta.telegramCallbackId !== undefined);
    await expect.poll(() => rerolled().length, { timeout: 10_000 }).toBe(1);
    expect(jobsOf(alice.id)).toEqual([]);
    const bobs = fake.injectCallbackQuery(photo, `delete:${jobId}`, bob);
    const refused = await fake.waitForCall(
      (c) => c.method === 'answerCallbackQuery' && c.params.callback_query_id === bobs.id,
      10_000,
    );
    expect(refused.params.text).toBe(t('zh-CN', 'errors.button.owner_only'));
    fake.injectCallbackQuery(photo, `delete:${jobId}`, alice);
    await fake.waitForCall((c) => c.method === 'deleteMessage' && c.params.message_id === messageId, 10_000);
  });
});
