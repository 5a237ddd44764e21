// The user a Telegram message names by replying to theirs (`/block spam` as a reply): the replied message's sender,
// as the id its jobs are owned by (sender-id.ts): the chat's for a message sent on behalf of one (an anonymous admin,
// a channel), not the stand-in bot it comes from. Not a bot's own message, and not the service message a forum
// topic starts with, which Telegram sets as the reply of every message in the topic that replies to nothing else. A
// button press names no one: its message is the bot's.
import type { Context } from 'grammy';
import type { Message } from 'grammy/types';

export function repliedUserOf(ctx: Pick<Context, 'callbackQuery' | 'msg'>): string | undefined {
  if (ctx.callbackQuery) return undefined;
  const replied: Message['reply_to_message'] = ctx.msg?.reply_to_message;
  if (!replied || replied.forum_topic_created) return undefined;
  if (replied.sender_chat) return String(replied.sender_chat.id);
  if (!replied.from || replied.from.is_bot) return undefined;
  return String(replied.from.id);
}
