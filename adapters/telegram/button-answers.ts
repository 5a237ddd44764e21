// What a button press says back to the one who pressed. A refusal (someone else's Delete or Cancel) or an answer
// meant for the presser alone is an alert on their screen (answerCallbackQuery), not a message: in a group a
// message would show to everyone and spend the chat's shared budget of 20 messages a minute.
import type { Context } from 'grammy';
import { type Reply, shortText } from '../../commands/index.js';
import type { Locale } from '../../src/i18n.js';
import { replyText } from './render.js';
import { mayHaveArrived } from './retries.js';

/** Telegram's longest callback-query answer. */
export const ALERT_LIMIT = 200;

/** The lines an error adds for what its request had queued all the same (commands/guard.ts `admittedLines`). */
const ADMITTED_LINES: ReadonlySet<string> = new Set(['job.queued_before_error', 'job.maybe_queued']);

/**
 * A reply of words alone for the presser: an ephemeral answer or a refusal, with nothing a message must carry. An
 * error that names what its request queued all the same (`Reply.admitted`) is the presser's too, but measured in
 * `locale` it must fit an alert whole: cut short, it would lose the jobs it names and where to check them, which a
 * message in the chat keeps.
 */
export function isNotice(reply: Reply, locale?: Locale): boolean {
  if (reply.text.length === 0 || reply.ask || reply.startsJob || reply.deleteSource || reply.replaceButtons)
    return false;
  if (reply.replaceSource) return false;
  if ((reply.images?.length ?? 0) > 0 || (reply.buttons?.length ?? 0) > 0 || (reply.more?.length ?? 0) > 0)
    return false;
  const error = (line: { key: string }) => line.key.startsWith('errors.');
  if (reply.admitted && locale !== undefined) {
    const said = reply.text.filter((line) => !ADMITTED_LINES.has(line.key));
    return said.length > 0 && said.every(error) && replyText(reply, locale).length <= ALERT_LIMIT;
  }
  return reply.ephemeral === true || reply.text.every(error);
}

/**
 * `text` within `limit` UTF-16 units, cut with an ellipsis. A cut between the halves of a surrogate pair (an emoji)
 * would leave invalid UTF-16, which Telegram refuses, so the lone half goes too.
 */
export function alertText(text: string, limit = ALERT_LIMIT): string {
  return shortText(text, limit);
}

/**
 * Tells the presser `text` as an alert. A query already answered (the work failed after its acknowledgement) or too
 * old (pressed while the bot was down) cannot carry it any more: then it is a message in the chat, so it is never
 * lost, replying to the pressed message so that a group sees which result it is about. The presser is not named: an
 * anonymous admin pressed as their group (senders.ts). An alert that may have arrived (5xx, connection broken) counts
 * as shown: never sent again (retries.ts). Resolves with what they were shown (an alert may be cut), or undefined
 * when Telegram took neither.
 */
export async function tellPresser(ctx: Context, text: string): Promise<string | undefined> {
  const alert = alertText(text);
  const shown = await ctx.answerCallbackQuery({ text: alert, show_alert: true }).then(
    () => true,
    // A 5xx or a broken connection may come after the alert was shown: the same words as a message would be twice.
    (error: unknown) => mayHaveArrived(error),
  );
  if (shown) return alert;
  if (!ctx.chat) return undefined;
  const pressed = ctx.callbackQuery?.message;
  const reply = pressed && {
    reply_parameters: { message_id: pressed.message_id, allow_sending_without_reply: true },
  };
  return ctx.reply(text, reply ?? {}).then(
    () => text,
    () => undefined,
  );
}
