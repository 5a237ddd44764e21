// Telling the sender of an update given up (inbox.ts: the process died while handling it, twice) that the bot could
// not handle it, so they do not wait for an answer that never comes. Once: the update's row is gone before this
// runs, so a crash while telling (the same cause, say) is not followed by another try at the next start. Only where
// there is someone to answer: a message or a button press of an allowed chat with a sender, not answered already (a
// job came of it: its status message answered them), one message per album. A message gets a reply; a button press
// is told as any refusal of a press is (button-answers.ts): an alert only the presser sees while Telegram still takes
// an answer to the press, else a reply to the pressed message, so a group is not shown what concerns one of them.
import { type Api, Context } from 'grammy';
import type { Update, UserFromGetMe } from 'grammy/types';
import type { Commands } from '../../commands/index.js';
import { t } from '../../src/i18n.js';
import type { Logger } from '../../src/log.js';
import { tellPresser } from './button-answers.js';
import type { RepeatedUpdates } from './repeats.js';
import { inTopic, topicOf } from './send.js';
import { senderIdOf } from './sender-id.js';
import { contextOf } from './senders.js';

export interface GivenUpDeps {
  api: Api;
  me: UserFromGetMe;
  commands: Pick<Commands, 'context'>;
  repeats: Pick<RepeatedUpdates, 'messageHandled' | 'albumHandled' | 'pressHandled'>;
  /** Whether the bot serves this chat (TELEGRAM_CHAT_IDS). */
  serves: (chatId: number) => boolean;
  log: Pick<Logger, 'info' | 'warn'>;
}

/** Tells the sender of each of `updates` once; never throws. */
export async function tellGivenUp(deps: GivenUpDeps, updates: readonly Update[]): Promise<void> {
  const albums = new Set<string>();
  for (const update of updates) {
    try {
      const ctx = new Context(update, deps.api, deps.me);
      const album = ctx.message?.media_group_id;
      const albumKey = album === undefined ? undefined : `${ctx.chat?.id}:${album}`;
      if (albumKey !== undefined && albums.has(albumKey)) continue;
      if (!answerable(deps, ctx)) continue;
      if (albumKey !== undefined) albums.add(albumKey);
      const { locale } = contextOf(deps.commands, ctx, {});
      const text = t(locale, 'errors.telegram.update_given_up');
      if (ctx.callbackQuery) {
        if ((await tellPresser(ctx, text)) === undefined) throw new Error('Telegram took neither answer');
      } else {
        const replyTo = ctx.msg?.message_id;
        await deps.api.sendMessage(ctx.chat?.id as number, text, {
          ...(replyTo === undefined
            ? {}
            : { reply_parameters: { message_id: replyTo, allow_sending_without_reply: true } }),
          ...inTopic(topicOf(ctx.msg)),
        });
      }
      deps.log.info({ update: update.update_id }, 'telegram update given up: its sender was told');
    } catch (error) {
      deps.log.warn(
        { err: error, update: update.update_id },
        'telegram update given up: its sender was not told',
      );
    }
  }
}

/** Whether the update has a sender to tell in a chat the bot serves, who got no answer from a job of it. */
function answerable(deps: GivenUpDeps, ctx: Context): boolean {
  const chat = ctx.chat;
  if (!chat || !deps.serves(chat.id)) return false;
  const query = ctx.callbackQuery;
  // A press counts as the presser's, or as the chat's on a result the chat owns (senders.ts).
  if (query)
    return (
      query.message !== undefined &&
      !deps.repeats.pressHandled(String(query.from.id), ctx) &&
      !deps.repeats.pressHandled(String(chat.id), ctx)
    );
  const edited = ctx.editedMessage;
  const message = ctx.message;
  const sender = senderIdOf(message ?? edited);
  if (sender === undefined) return false;
  // An edit's jobs are those of the message it edits: they say nothing of whether the edit was handled.
  if (edited) return true;
  if (!message) return false;
  return message.media_group_id === undefined
    ? !deps.repeats.messageHandled(sender, message)
    : !deps.repeats.albumHandled(sender, [message]);
}
