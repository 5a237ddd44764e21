// Who a Telegram message speaks for (adapters/telegram/sender-id.ts) and whom a reply to it names (replied-user.ts):
// a message sent on behalf of a chat is the chat's, not the stand-in bot's it comes from.
import type { Message } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { repliedUserOf } from '../../../adapters/telegram/replied-user.js';
import { senderIdOf } from '../../../adapters/telegram/sender-id.js';

const group = { id: -100555, type: 'supergroup', title: 'g' } as const;
const channel = { id: -100777, type: 'channel', title: 'c' } as const;
const anonymous = { id: 1087968824, is_bot: true, first_name: 'Group', username: 'GroupAnonymousBot' };
const channelBot = { id: 136817688, is_bot: true, first_name: 'Channel', username: 'Channel_Bot' };
const user = { id: 900, is_bot: false, first_name: 'u' };

const message = (fields: Partial<Message>) => ({ message_id: 5, date: 0, chat: group, ...fields }) as Message;

describe('senderIdOf', () => {
  it('is the author, or the chat a message was sent on behalf of, or no one', () => {
    expect(senderIdOf(message({ from: user }))).toBe('900');
    expect(senderIdOf(message({ from: anonymous, sender_chat: group }))).toBe('-100555');
    expect(senderIdOf(message({ from: channelBot, sender_chat: channel }))).toBe('-100777');
    expect(senderIdOf(message({}))).toBeUndefined();
    expect(senderIdOf(undefined)).toBeUndefined();
  });
});

describe('repliedUserOf, for a message sent on behalf of a chat', () => {
  it('names the chat (the owner of its jobs), not the stand-in bot', () => {
    const replied = message({ from: anonymous, sender_chat: group, text: 'spam' });
    const msg = message({ message_id: 6, from: user, text: '/block', reply_to_message: replied as never });
    expect(repliedUserOf({ msg, callbackQuery: undefined })).toBe('-100555');
  });
});
