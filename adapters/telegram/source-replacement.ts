// A press answered in place of the message it was on (`Reply.replaceSource`: a /queue list after its Cancel n): the
// pressed message is edited to the reply's text and keyboard, and the presser's spinner answered with a toast of its
// first line (what the press did). A message Telegram will not edit (deleted, too old, a photo's caption) is not
// replaced by a new one in a group, where everyone would see a list nobody there asked for: there the presser is told
// the first line alone. In a private chat the reply comes as a new message, as any answer would, and that message is
// the one its next state (`Reply.nextInPlace`) later goes to. Edits of one message in place take turns by when they
// started (in-place-turns.ts). A list's later parts are put in place after its first in the same turn
// (list-parts.ts), not awaited by the press: in a group Telegram's updates are handled one at a time, and the group's
// other messages would wait for every edit.
import type { Context } from 'grammy';
import type { InlineKeyboardMarkup } from 'grammy/types';
import type { CommandContext, Reply } from '../../commands/index.js';
import { partSent } from '../shared/delivered.js';
import { alertText, tellPresser } from './button-answers.js';
import type { PressDeps } from './button-presses.js';
import { begunSince, type EditTurn, grammySignal, placeKey, takeTurn, turnsBegun } from './in-place-turns.js';
import { laterPartsInPlace, sendsAnew } from './list-parts.js';
import { notModified } from './not-modified.js';
import { keyboard, replyText, textParts } from './render.js';

/** A message a reply is shown in place of: the pressed one, or the one sent in its stead. */
interface Place {
  key: string;
  /** The message's id: its list's later parts are kept under it (list-parts.ts); none for an inline message. */
  messageId?: number;
  edit(text: string, markup: InlineKeyboardMarkup, signal: AbortSignal): Promise<unknown>;
}

function pressedPlace(ctx: Context): Place {
  const message = ctx.callbackQuery?.message;
  const key = message
    ? placeKey(message.chat.id, message.message_id)
    : `inline:${ctx.callbackQuery?.inline_message_id}`;
  return {
    key,
    ...(message ? { messageId: message.message_id } : {}),
    edit: (text, markup, signal) => ctx.editMessageText(text, { reply_markup: markup }, grammySignal(signal)),
  };
}

function sentPlace(ctx: Context, chatId: number, messageId: number): Place {
  return {
    key: placeKey(chatId, messageId),
    messageId,
    edit: (text, markup, signal) =>
      ctx.api.editMessageText(chatId, messageId, text, { reply_markup: markup }, grammySignal(signal)),
  };
}

/** Shows `first`, a reply's first part, on `place` in `turn`: 'passed' when a later edit took over meanwhile. */
async function putInPlace(
  turn: EditTurn,
  place: Place,
  first: Reply,
  locale: NonNullable<Reply['locale']>,
): Promise<'edited' | 'passed'> {
  const markup = keyboard(first, locale) ?? { inline_keyboard: [] };
  try {
    await turn.clear;
    if (turn.passed()) return 'passed';
    await place.edit(replyText(first, locale), markup, turn.signal);
    return 'edited';
  } catch (error) {
    if (turn.passed()) return 'passed';
    // Pressed twice before the first edit landed: the message already shows this list.
    if (notModified(error)) return 'edited';
    throw error;
  }
}

/**
 * Puts `first` in place, then `rest` in the list's later parts, all in one turn (ended once they are): started, not
 * awaited. Returns how the first part went; its later parts go on alone, their failure only logged.
 */
async function putListInPlace(
  deps: PressDeps,
  ctx: Context,
  c: CommandContext,
  place: Place,
  [first, ...rest]: readonly [Reply, ...Reply[]],
  locale: NonNullable<Reply['locale']>,
): Promise<'edited' | 'passed' | 'refused'> {
  const turn = takeTurn(deps.replies.laterParts, place.key);
  const shown = await putInPlace(turn, place, first, locale).catch(() => 'refused' as const);
  // Taken over by a later edit ('passed'), the list was not shown: its lines are not delivered, its later parts are
  // the later edit's to show.
  if (shown !== 'edited' || place.messageId === undefined) {
    if (shown === 'refused') turn.refused();
    turn.done();
    return shown;
  }
  // Shown: the sending of a list's own later parts before it stops (in-place-turns.ts), its waits cut, as this list
  // sends anew what it needs. Not in a group, where it sends nothing new (list-parts.ts): a part cut there would be
  // lost for good, the list left short; they go on, and this list's later parts edit them once they are sent.
  if (sendsAnew(ctx)) turn.shown();
  partSent(deps.commands, c)(first);
  void laterPartsInPlace(deps, ctx, c, { firstId: place.messageId, turn }, rest, locale)
    .catch((error: unknown) =>
      deps.log.warn({ err: error }, 'the later parts of a /queue list could not be put in place'),
    )
    .finally(turn.done);
  return shown;
}

export async function replaceSource(
  deps: PressDeps,
  ctx: Context,
  c: CommandContext,
  reply: Reply,
): Promise<void> {
  const locale = reply.locale ?? c.locale;
  const group = !sendsAnew(ctx);
  const said = replyText({ text: reply.text.slice(0, 1) }, locale);
  // When the next state became known, as a mark of the turns begun by then: one on its place begun later (a Refresh)
  // shows a newer list than it.
  const next = reply.nextInPlace?.then((later) => ({
    reply: later,
    known: turnsBegun(deps.replies.laterParts),
  }));
  // Refused, it is let be where nothing shows it (as before: showWhenKnown logs it).
  next?.catch(() => undefined);
  // A list longer than one message: its first part takes the pressed message's place, the rest that of the earlier
  // list's later parts, and any more follow as messages of their own only where the presser alone sees them (in a
  // group they wait for the next /queue): list-parts.ts.
  const place = pressedPlace(ctx);
  const putting = putListInPlace(deps, ctx, c, place, textParts(reply, locale), locale);
  // The turn it took begins at once: turns begun by then are not newer than this press.
  let own = turnsBegun(deps.replies.laterParts);
  const shown = await putting;
  if (shown === 'refused') {
    if (group) return void (await tellPresser(ctx, said));
    await ctx.answerCallbackQuery().catch(() => undefined);
    let sentAs: number | undefined;
    const asNew = { ...reply, replaceSource: undefined, nextInPlace: undefined };
    await deps.replies.send(ctx, c, asNew, (messageId) => {
      if (sentAs !== undefined) return;
      sentAs = messageId;
      // Its later parts' turn has just begun (replies.ts `sendLater`): one on it begun after this, while they still
      // go out (a Refresh of the list sent anew), shows a newer list.
      own = turnsBegun(deps.replies.laterParts);
    });
    const chatId = ctx.chat?.id;
    if (next && chatId !== undefined && sentAs !== undefined)
      showWhenKnown(deps, ctx, sentPlace(ctx, chatId, sentAs), c, { next, own });
    return;
  }
  await ctx.answerCallbackQuery({ text: alertText(said) }).catch(() => undefined);
  if (next) showWhenKnown(deps, ctx, place, c, { next, own });
}

/**
 * The message's next state once it is known (`Reply.nextInPlace`: the list once the cancelled job has stopped),
 * edited in without a toast (the press was answered); not awaited, so the chat's next update is not held. Not when
 * an update of the place other than the press's own (`own`: the mark after its turns began) began after it was known:
 * that one (a Refresh pressed while the press was still being answered) shows a newer list, which it would overwrite.
 */
function showWhenKnown(
  deps: PressDeps,
  ctx: Context,
  place: Place,
  c: CommandContext,
  { next, own }: { next: Promise<{ reply: Reply | undefined; known: number }>; own: number },
): void {
  void next
    .then(async ({ reply, known }) => {
      if (!reply || begunSince(deps.replies.laterParts, place.key, Math.max(known, own))) return;
      const locale = reply.locale ?? c.locale;
      // As the list it follows: its later parts in those of that list (new ones only in a private chat).
      if ((await putListInPlace(deps, ctx, c, place, textParts(reply, locale), locale)) === 'refused')
        throw new Error('the message refused the edit');
    })
    .catch((error: unknown) => {
      // The list it would replace stays (deleted meanwhile): it still offers Refresh.
      deps.log.warn({ err: error }, 'a /queue list could not be put in place');
    });
}
