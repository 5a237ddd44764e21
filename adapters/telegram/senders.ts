// Who a Telegram update speaks for: the identity its jobs, limits, caps, settings, history and blocks belong to.
// - A message sent on behalf of a chat (`sender_chat`: an anonymous group admin, whose `from` is the shared stand-in
//   GroupAnonymousBot; a user posting as a channel, `from` Channel_Bot; a linked channel's automatic forward, `from`
//   Telegram 777000) is the chat's: its id is negative, so it cannot collide with a user's. Taken by `from`, every
//   anonymous admin of every group would be one user.
// - A message with neither `from` nor `sender_chat` is nobody's: the bot does not act on it. Channel posts (neither
//   asked for, ALLOWED_UPDATES, nor matched by any handler) never get this far.
// - A button press always names the real user who pressed, anonymous admins included (Telegram reveals them to the
//   bot; tdlib/telegram-bot-api#667). On a result the chat owns (an anonymous admin's request), the press counts as
//   the chat's when the presser is an admin of that chat (anyone who can post as the group could have asked for it
//   themselves); anyone else presses as themselves, so owner-only buttons refuse them as on any user's result. A
//   result a channel owns (a user posting as a channel in its discussion group) is pressed as oneself: the bot cannot
//   ask a channel who its admins are.
import type { Api, Context } from 'grammy';
import { type CommandContext, type Commands, parseButtonId } from '../../commands/index.js';
import type { JobQueueApi } from '../../src/jobs/index.js';
import { requestMeta } from './edits.js';
import { repliedUserOf } from './replied-user.js';
import { topicOf } from './send.js';
import { senderIdOf } from './sender-id.js';

/**
 * The chat's id when a press on a result that chat owns comes from one of its admins, else undefined (the presser
 * acts as themselves). Asks Telegram only for results a chat owns; a failed question is a no.
 */
export async function pressedForChat(
  api: Pick<Api, 'getChatMember'>,
  queue: Pick<JobQueueApi, 'get'>,
  ctx: Context,
): Promise<string | undefined> {
  const query = ctx.callbackQuery;
  const chatId = ctx.chat?.id;
  const jobId = parseButtonId(query?.data ?? '')?.jobId;
  if (!query || chatId === undefined || chatId > 0 || !jobId) return undefined;
  const owner = queue.get(jobId)?.owner;
  if (owner?.platform !== 'telegram' || owner.userId !== String(chatId)) return undefined;
  const member = await api.getChatMember(chatId, query.from.id).catch(() => undefined);
  return member?.status === 'creator' || member?.status === 'administrator' ? String(chatId) : undefined;
}

/** What the commands are told of an update: who (see above), where, in which language, and the adapter's meta. */
export function contextOf(
  commands: Pick<Commands, 'context'>,
  ctx: Context,
  extras: { pressedAs?: string; replaces?: string[] },
): CommandContext {
  const from = ctx.from;
  const chat = ctx.chat;
  const query = ctx.callbackQuery;
  const message = ctx.message ?? ctx.editedMessage;
  const userId = query ? (extras.pressedAs ?? String(query.from.id)) : (senderIdOf(message) ?? '0');
  return commands.context({
    user: { platform: 'telegram', userId },
    scope: `chat:${chat?.id ?? 0}`,
    // A chat's stand-in user has no language: the chat's messages are answered in the default one.
    language: message?.sender_chat ? undefined : from?.language_code,
    repliedUser: repliedUserOf(ctx),
    // The topic goes with the job: its chat actions are sent while it runs, far from this update. So does the
    // user's message that asked (not a pressed one), which an edit of it looks for, and the press that asked, so
    // neither is run twice when Telegram delivers its update again (repeats.ts).
    meta: {
      telegramChatId: chat?.id,
      telegramThreadId: topicOf(ctx.msg),
      ...requestMeta(message),
      ...(query ? { telegramCallbackId: query.id } : {}),
      ...(extras.replaces ? { replaces: extras.replaces } : {}),
    },
  });
}
