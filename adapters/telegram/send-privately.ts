// A reply no shared chat may read (`Reply.privately`: who is blocked), asked for in a group, goes to the asker's
// private chat, and the group is told only that it went there, or, when Telegram will not let the bot write to them
// there (they never started it, or blocked it), how to get it. The reply itself never reaches the group.
import { type Api, type Context, GrammyError } from 'grammy';
import type { Reply, ReplyText } from '../../commands/index.js';
import type { Locale } from '../../src/i18n.js';
import type { PartSent } from '../shared/delivered.js';
import { sendReply } from './send.js';

/** Telegram's refusals of a private chat the bot may not write to: any 403, or 400 "chat not found". */
export function cannotWriteTo(error: unknown): boolean {
  if (!(error instanceof GrammyError)) return false;
  return error.error_code === 403 || (error.error_code === 400 && /chat not found/i.test(error.description));
}

/**
 * What `chat` is shown of `reply`: the reply itself, unless it is private and `chat` is shared; then it is sent to
 * `askerId`'s private chat first (each message reported to `sent` once taken) and the shared chat gets the notice.
 * Any other failure is thrown, list unshown.
 */
export async function sendPrivately(
  api: Api,
  chat: Context['chat'],
  askerId: string,
  locale: Locale,
  reply: Reply,
  sent: PartSent,
): Promise<Reply> {
  const notices = reply.privately;
  if (!notices || !chat || chat.type === 'private') return reply;
  const userId = Number(askerId);
  // A chat speaking through a stand-in (an anonymous admin, a channel) has a negative id and no private chat.
  if (!Number.isSafeInteger(userId) || userId <= 0) return notice(notices.unreachable);
  try {
    for (const one of [reply, ...(reply.more ?? [])])
      await sendReply(api, { chatId: userId, locale, parameters: {}, sent }, one);
  } catch (error) {
    if (!cannotWriteTo(error)) throw error;
    return notice(notices.unreachable);
  }
  return notice(notices.sent);
}

function notice(line: ReplyText): Reply {
  return { text: [line], ephemeral: true };
}
