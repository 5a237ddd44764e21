// The Delete button removes a result whole: the message pressed, and every other message its job's ending was shown
// in (the further messages of a long answer, the rest of a caption answering the photo, a status message showing the
// first lines), as job-messages.ts records them; only in the chat the button was pressed in. Telegram lets a bot
// delete its own messages for 48 hours; past that (or once someone else deleted one) it refuses, and there is nothing
// to tell the presser: each message is tried on its own, a refusal passed over, so a younger one still goes.
import type { Context } from 'grammy';

/** The messages a job's ending was shown in, in one chat. */
export interface Ending {
  chatId: number;
  messageIds: readonly number[];
}

export async function deleteResult(ctx: Context, ending: Ending | undefined): Promise<void> {
  await ctx.deleteMessage().catch(() => undefined);
  const chatId = ctx.chat?.id;
  if (!ending || chatId !== ending.chatId) return;
  const pressed = ctx.callbackQuery?.message?.message_id;
  for (const messageId of new Set(ending.messageIds)) {
    if (messageId !== pressed) await ctx.api.deleteMessage(chatId, messageId).catch(() => undefined);
  }
}
