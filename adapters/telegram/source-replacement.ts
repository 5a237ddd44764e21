// A press answered in place of the message it was on (`Reply.replaceSource`: a /queue list after its Cancel n): the
// pressed message is edited to the reply's text and keyboard, and the presser's spinner answered with a toast of its
// first line (what the press did). A message Telegram will not edit (deleted, too old, a photo's caption) is not
// replaced by a new one in a group, where everyone would see a list nobody there asked for: there the presser is told
// the first line alone. In a private chat the reply comes as a new message, as any answer would, and that message is
// the one its next state (`Reply.nextInPlace`) later goes to. Edits of one message in place are ordered by when they
// started: a later one (a Refresh pressed meanwhile) ends an earlier one still waiting (held by flood control), which
// would otherwise land over it with an older list. An earlier one already with Telegram is not cut off (Telegram
// would still carry it out, maybe after the later one): the later one waits for its answer before going. A list's
// later parts are put in place after its first in the same turn (list-parts.ts), not awaited by the press: in a group
// Telegram's updates are handled one at a time, and the group's other messages would wait for every edit.
import type { Context, Transformer } from 'grammy';
import type { InlineKeyboardMarkup } from 'grammy/types';
import type { CommandContext, Reply } from '../../commands/index.js';
import { partSent } from '../shared/delivered.js';
import { alertText, tellPresser } from './button-answers.js';
import type { PressDeps } from './button-presses.js';
import { laterPartsInPlace } from './list-parts.js';
import { notModified } from './not-modified.js';
import { keyboard, replyText, textParts } from './render.js';

/** A message a reply is shown in place of: the pressed one, or the one sent in its stead. */
interface Place {
  key: string;
  /** The message's id: its list's later parts are kept under it (list-parts.ts); none for an inline message. */
  messageId?: number;
  edit(text: string, markup: InlineKeyboardMarkup, signal: AbortSignal): Promise<unknown>;
}

/** An in-place edit's turn on its message. */
interface Turn {
  /** Cuts the edit's wait (flood control, or its turn); never aborted while a request of it is with Telegram. */
  readonly controller: AbortController;
  /** A later edit of the message took over: this one begins no further try. */
  passed: boolean;
  /** Its try now with Telegram: settles once Telegram has answered it (or the connection ended). */
  onWire?: Promise<void>;
  /** Settles once no earlier edit of the message is with Telegram: this edit's first try waits for it. */
  readonly clear: Promise<void>;
  /** Settles once this update and every earlier one of the message have ended, later parts and all (`done`). */
  readonly ended: Promise<void>;
}

/** The latest in-place edit started of each message (by `Place.key`), per bot (the deps its presses are given). */
const latest = new WeakMap<PressDeps, Map<string, Turn>>();
/** Each turn by its edit's signal, the one thing of the edit that reaches `inPlaceTries`. */
const bySignal = new WeakMap<object, Turn>();

/** `before` is passed: what it waits for is cut short, a try of it with Telegram is let be and waited for. */
function takeOver(before: Turn): Promise<void> {
  before.passed = true;
  if (before.onWire) return before.onWire;
  before.controller.abort();
  return before.clear;
}

/**
 * An edit's turn on `place`: it ends the one before it still under way (dropped however it ends), and is ended in turn
 * by the next. `clear` is to be awaited before the edit; `passed` says a later edit took over.
 */
function takeTurn(deps: PressDeps, place: Place) {
  const edits = latest.get(deps) ?? new Map<string, Turn>();
  latest.set(deps, edits);
  const before = edits.get(place.key);
  let end = () => {};
  const own = new Promise<void>((resolve) => {
    end = resolve;
  });
  const earlier = before?.ended ?? Promise.resolve();
  const turn: Turn = {
    controller: new AbortController(),
    passed: false,
    clear: before ? takeOver(before) : Promise.resolve(),
    ended: Promise.all([earlier, own]).then(() => undefined),
  };
  edits.set(place.key, turn);
  bySignal.set(turn.controller.signal, turn);
  return {
    signal: turn.controller.signal,
    clear: turn.clear,
    before: earlier,
    passed: () => turn.passed,
    done: () => {
      end();
      if (edits.get(place.key) === turn) edits.delete(place.key);
    },
  };
}

type EditTurn = ReturnType<typeof takeTurn>;

/**
 * Installed inside auto-retry, so that each try of an in-place edit passes here: none is begun once a later edit took
 * over, and one under way is marked, for a later edit to wait for it rather than cut it. One refused after a later
 * edit took over ends at once, as one waiting to be tried again would (`takeOver`).
 */
export const inPlaceTries: Transformer = async (prev, method, payload, signal) => {
  const turn = signal ? bySignal.get(signal) : undefined;
  if (!turn) return prev(method, payload, signal);
  if (turn.passed) throw new Error('a later edit of this message took over');
  const attempt = prev(method, payload, signal);
  turn.onWire = attempt.then(
    () => undefined,
    () => undefined,
  );
  try {
    const answer = await attempt;
    // Overtaken while with Telegram and refused (a 429, a 5xx): auto-retry would wait out retry_after or its backoff
    // before a try this edit never makes; it ends now instead.
    if (turn.passed && !answer.ok) throw new Error('a later edit of this message took over');
    return answer;
  } finally {
    turn.onWire = undefined;
  }
};

/** grammY types its signal as its abort-controller shim's; Node's own is what it takes at run time. */
const grammySignal = (signal: AbortSignal) => signal as Parameters<Context['editMessageText']>[2];

function pressedPlace(ctx: Context): Place {
  const message = ctx.callbackQuery?.message;
  const key = message
    ? `${message.chat.id}:${message.message_id}`
    : `inline:${ctx.callbackQuery?.inline_message_id}`;
  return {
    key,
    ...(message ? { messageId: message.message_id } : {}),
    edit: (text, markup, signal) => ctx.editMessageText(text, { reply_markup: markup }, grammySignal(signal)),
  };
}

function sentPlace(ctx: Context, chatId: number, messageId: number): Place {
  return {
    key: `${chatId}:${messageId}`,
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
  const turn = takeTurn(deps, place);
  const shown = await putInPlace(turn, place, first, locale).catch(() => 'refused' as const);
  // Taken over by a later edit ('passed'), the list was not shown: its lines are not delivered, its later parts are
  // the later edit's to show.
  if (shown !== 'edited' || place.messageId === undefined) {
    turn.done();
    return shown;
  }
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
  const group = ctx.chat?.type !== 'private';
  const said = replyText({ text: reply.text.slice(0, 1) }, locale);
  // A list longer than one message: its first part takes the pressed message's place, the rest that of the earlier
  // list's later parts, and any more follow as messages of their own only where the presser alone sees them (in a
  // group they wait for the next /queue): list-parts.ts.
  const place = pressedPlace(ctx);
  const shown = await putListInPlace(deps, ctx, c, place, textParts(reply, locale), locale);
  if (shown === 'refused') {
    if (group) return void (await tellPresser(ctx, said));
    await ctx.answerCallbackQuery().catch(() => undefined);
    let sentAs: number | undefined;
    const asNew = { ...reply, replaceSource: undefined, nextInPlace: undefined };
    await deps.replies.send(ctx, c, asNew, (messageId) => {
      sentAs ??= messageId;
    });
    const chatId = ctx.chat?.id;
    if (reply.nextInPlace && chatId !== undefined && sentAs !== undefined)
      showWhenKnown(deps, ctx, sentPlace(ctx, chatId, sentAs), c, reply.nextInPlace);
    return;
  }
  await ctx.answerCallbackQuery({ text: alertText(said) }).catch(() => undefined);
  if (reply.nextInPlace) showWhenKnown(deps, ctx, place, c, reply.nextInPlace);
}

/**
 * The message's next state once it is known (`Reply.nextInPlace`: the list once the cancelled job has stopped),
 * edited in without a toast (the press was answered); not awaited, so the chat's next update is not held.
 */
function showWhenKnown(
  deps: PressDeps,
  ctx: Context,
  place: Place,
  c: CommandContext,
  next: Promise<Reply | undefined>,
): void {
  void next
    .then(async (reply) => {
      if (!reply) return;
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
