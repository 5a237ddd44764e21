// A group upgraded to a supergroup speaks under a new id, and so does whoever speaks as the chat itself (an anonymous
// admin, sender-id.ts): the commands layer carries that identity's settings and block over and keeps where the chat
// went, for sends still naming the old id after a restart (commands/chat-moves.ts, migrations.ts).
// Telegram says so once in each chat (`migrate_to_chat_id` in the old one, `migrate_from_chat_id` in the new one);
// either may be missed, and both are passed on. Every group's: a chat left off TELEGRAM_CHAT_IDS may be listed later.
import type { Context, MiddlewareFn } from 'grammy';
import type { Commands } from '../../commands/index.js';

export function chatMoves(commands: Pick<Commands, 'chatMoved'>): MiddlewareFn<Context> {
  return (ctx, next) => {
    const chat = ctx.chat;
    const message = ctx.message;
    if (chat && message?.migrate_to_chat_id !== undefined)
      commands.chatMoved('telegram', String(chat.id), String(message.migrate_to_chat_id));
    if (chat && message?.migrate_from_chat_id !== undefined)
      commands.chatMoved('telegram', String(message.migrate_from_chat_id), String(chat.id));
    return next();
  };
}
