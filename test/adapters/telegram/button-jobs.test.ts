// Where a job started from a button answers: in a group, the presser's own request when it is known (from the parent
// job's stored place, or the request the pressed result replies to), else the result, naming the presser; in a
// private chat always the result.
import type { Message, User } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { anchorOfPress, mentionOf } from '../../../adapters/telegram/button-jobs.js';
import type { TelegramPlace } from '../../../adapters/telegram/job-messages.js';

const PARENT = '0d9f0c4e-1c2b-4f5a-9e8d-7c6b5a4f3e2d';
const GROUP = -100200300;
const alice: User = { id: 1001, is_bot: false, first_name: 'Alice' };
const bob: User = { id: 1002, is_bot: false, first_name: 'Bob' };
const bot: User = { id: 123456, is_bot: true, first_name: 'DiMOO' };
const chat = { id: GROUP, type: 'group' as const, title: 'Group' };

const request: Message = { message_id: 10, date: 0, chat, from: alice, text: '/imagine a fox' } as Message;
/** Alice's result: the bot's photo replying to her request. */
const result = { message_id: 14, date: 0, chat, from: bot, reply_to_message: request } as Message;
const place = (fields: Partial<TelegramPlace>): TelegramPlace => ({
  chatId: GROUP,
  messageId: 11,
  replyTo: 10,
  locale: 'en',
  group: true,
  previews: false,
  text: 'Queued',
  ...fields,
});
const press = (presser: User, pressed: Message | undefined = result, group = true) => ({
  chatId: GROUP,
  group,
  data: `reroll:${PARENT}`,
  pressed,
  presser,
});
const stored = (value: TelegramPlace | undefined) => (jobId: string) =>
  jobId === PARENT ? value : undefined;

describe('anchorOfPress', () => {
  it('in a group, the presser’s own request from the parent’s stored place', () => {
    const withoutReply = { ...result, reply_to_message: undefined } as Message;
    expect(anchorOfPress(press(alice, withoutReply), stored(place({ requester: alice.id })))).toEqual({
      replyTo: 10,
      requester: alice.id,
    });
  });

  it('in a group, the request the result replies to when the place does not name its sender', () => {
    expect(anchorOfPress(press(alice), stored(place({})))).toEqual({ replyTo: 10, requester: alice.id });
    expect(anchorOfPress(press(alice), stored(undefined))).toEqual({ replyTo: 10, requester: alice.id });
  });

  it('in a group, someone else’s result: under the result, naming the presser', () => {
    expect(anchorOfPress(press(bob), stored(place({ requester: alice.id })))).toEqual({
      replyTo: 14,
      mention: bob,
    });
    // A place of another chat is not this one's request.
    const elsewhere = place({ chatId: -1, requester: bob.id });
    expect(anchorOfPress(press(bob), stored(elsewhere))).toEqual({ replyTo: 14, mention: bob });
  });

  it('in a private chat, always under the result and naming nobody', () => {
    expect(anchorOfPress(press(alice, result, false), stored(place({ requester: alice.id })))).toEqual({
      replyTo: 14,
    });
  });
});

describe('mentionOf', () => {
  it('heads the text with the name, linked to the user', () => {
    expect(mentionOf(bob)).toEqual({
      prefix: 'Bob: ',
      entities: [{ type: 'text_mention', offset: 0, length: 3, user: bob }],
    });
    expect(mentionOf(undefined)).toEqual({ prefix: '' });
  });
});
