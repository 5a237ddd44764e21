// The Delete button removes a result whole: the message pressed, and every other message that shows the job's result
// (the further messages of a long answer, the rest of a caption answering the photo, a status message showing the
// first lines, a grid's pick, a file fetched later), as result-messages.ts records them; only in the chat the button
// was pressed in. They go in one deleteMessages call (Bot API 7.0; up to 100 ids, a message already gone skipped).
// Telegram lets a bot delete its own messages for 48 hours; past that (or where the bot may not delete) one refused
// message may refuse the whole call, and there is nothing to tell the presser: each message is then tried on its own,
// a refusal passed over, so a younger one still goes.
import { type Api, type Context, GrammyError } from 'grammy';
import type { SentMessage } from './result-messages.js';

/** The most messages one deleteMessages takes. */
const BATCH = 100;

export async function deleteResult(ctx: Context, shown: readonly SentMessage[]): Promise<void> {
  const chatId = ctx.chat?.id;
  const pressed = ctx.callbackQuery?.message?.message_id;
  if (chatId === undefined || pressed === undefined) {
    await ctx.deleteMessage().catch(() => undefined);
    return;
  }
  const here = shown.filter((message) => message.chatId === chatId).map((message) => message.messageId);
  const ids = [...new Set([pressed, ...here])];
  for (let at = 0; at < ids.length; at += BATCH) await deleteAll(ctx.api, chatId, ids.slice(at, at + BATCH));
}

async function deleteAll(api: Api, chatId: number, ids: readonly number[]): Promise<void> {
  const one = (id: number) => api.deleteMessage(chatId, id).catch(() => undefined);
  if (ids.length === 1) return void (await one(ids[0] as number));
  try {
    await api.deleteMessages(chatId, [...ids]);
  } catch (error) {
    if (!refusedSome(error)) return;
    for (const id of ids) await one(id);
  }
}

/**
 * A refusal that says something of the messages (400: one cannot be deleted) or of the method (404: a local Bot API
 * server older than 7.0). Flood control past the client's retries, a lost connection, a chat the bot was removed
 * from would meet each message alike: not tried one by one.
 */
function refusedSome(error: unknown): boolean {
  return error instanceof GrammyError && (error.error_code === 400 || error.error_code === 404);
}
