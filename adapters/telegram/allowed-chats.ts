// The chat allowlist (TELEGRAM_CHAT_IDS): updates from other chats are dropped before any handler sees them. A group
// on the list that is upgraded to a supergroup (topics turned on, made public, grown past a group's limits) goes on
// under a new id; Telegram says so once, in a service message in each chat (`migrate_to_chat_id` in the old one,
// `migrate_from_chat_id` in the new one). The new id is served from then on, and the log asks the operator to list it:
// the list in the environment is what the next start reads.
import type { Context, MiddlewareFn } from 'grammy';
import type { Logger } from '../../src/log.js';

export function allowedChats(ids: readonly number[], log: Pick<Logger, 'warn'>): MiddlewareFn<Context> {
  const allowed = new Set(ids);
  const follow = (from: number, to: number) => {
    if (!allowed.has(from) || allowed.has(to)) return;
    allowed.add(to);
    log.warn(
      { from, to },
      `a Telegram group on TELEGRAM_CHAT_IDS became a supergroup; served under its new id ${to} until the bot restarts: add it to TELEGRAM_CHAT_IDS`,
    );
  };
  return (ctx, next) => {
    const chat = ctx.chat;
    if (!chat) return;
    const message = ctx.message;
    if (message?.migrate_to_chat_id !== undefined) follow(chat.id, message.migrate_to_chat_id);
    if (message?.migrate_from_chat_id !== undefined) follow(message.migrate_from_chat_id, chat.id);
    return allowed.has(chat.id) ? next() : undefined;
  };
}
