// Telegram's `/block` as a reply names the replied-to message's author (adapters/telegram/replied-user.ts).
import type { Message } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { repliedUserOf } from '../../../adapters/telegram/replied-user.js';

const chat = { id: -100, type: 'supergroup', title: 'g' } as const;
const user = (id: number, is_bot = false) => ({ id, is_bot, first_name: `u${id}` });

function message(fields: Partial<Message> = {}): Message {
  return { message_id: 10, date: 0, chat, from: user(900), text: '/block spam', ...fields } as Message;
}

const replyTo = (fields: Partial<Message>) =>
  ({ message_id: 5, date: 0, chat, ...fields }) as Message['reply_to_message'];

describe('repliedUserOf', () => {
  it('is the author of the message replied to', () => {
    const msg = message({ reply_to_message: replyTo({ from: user(555), text: 'spam spam' }) });
    expect(repliedUserOf({ msg, callbackQuery: undefined })).toBe('555');
  });

  it('is no one without a reply, for a bot’s message, or for a forum topic’s opening message', () => {
    expect(repliedUserOf({ msg: message(), callbackQuery: undefined })).toBeUndefined();
    const toBot = message({ reply_to_message: replyTo({ from: user(42, true), text: 'result' }) });
    expect(repliedUserOf({ msg: toBot, callbackQuery: undefined })).toBeUndefined();
    // In a topic, Telegram sets the topic's creation message as the reply of a message that replies to nothing.
    const inTopic = message({
      message_thread_id: 5,
      is_topic_message: true,
      reply_to_message: replyTo({
        from: user(777),
        forum_topic_created: { name: 'art', icon_color: 0 },
      }),
    });
    expect(repliedUserOf({ msg: inTopic, callbackQuery: undefined })).toBeUndefined();
  });

  it('is no one for a button press (its message is the bot’s answer to someone)', () => {
    const msg = message({ reply_to_message: replyTo({ from: user(555), text: '/imagine' }) });
    const callbackQuery = { id: '1', from: user(900), chat_instance: 'x', data: 'reroll:1' };
    expect(repliedUserOf({ msg, callbackQuery })).toBeUndefined();
  });
});
