// The user a Telegram message names by replying to theirs (`/block spam` as a reply): the replied message's author,
// as a user id. Not a bot's message (the bot's own, a channel's or an anonymous admin's stand-in), and not the
// service message a forum topic starts with, which Telegram sets as the reply of every message in the topic that
// replies to nothing else. A button press names no one: its message is the bot's.
import type { Context } from 'grammy';
import type { Message } from 'grammy/types';

export function repliedUserOf(ctx: Pick<Context, 'callbackQuery' | 'msg'>): string | undefined {
  if (ctx.callbackQuery) return undefined;
  const replied: Message['reply_to_message'] = ctx.msg?.reply_to_message;
  if (!replied?.from || replied.from.is_bot || replied.forum_topic_created) return undefined;
  return String(replied.from.id);
}
