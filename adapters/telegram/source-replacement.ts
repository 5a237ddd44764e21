// A press answered in place of the message it was on (`Reply.replaceSource`: a /queue list after its Cancel n): the
// pressed message is edited to the reply's text and keyboard, and the presser's spinner answered with a toast of its
// first line (what the press did). A message Telegram will not edit (deleted, too old, a photo's caption) is not
// replaced by a new one in a group, where everyone would see a list nobody there asked for: there the presser is told
// the first line alone. In a private chat the reply comes as a new message, as any answer would, and that message is
// the one its next state (`Reply.nextInPlace`) later goes to. Edits of one message in place are ordered by when they
// started: a later one (a Refresh pressed meanwhile) ends an earlier one still waiting (held by flood control), which
// would otherwise land over it with an older list.
import type { Context } from 'grammy';
import type { InlineKeyboardMarkup } from 'grammy/types';
import type { CommandContext, Reply } from '../../commands/index.js';
import { partSent } from '../shared/delivered.js';
import { alertText, tellPresser } from './button-answers.js';
import type { PressDeps } from './button-presses.js';
import { notModified } from './not-modified.js';
import { keyboard, replyText, textParts } from './render.js';

/** A message a reply is shown in place of: the pressed one, or the one sent in its stead. */
interface Place {
  key: string;
  edit(text: string, markup: InlineKeyboardMarkup, signal: AbortSignal): Promise<unknown>;
}

/** The latest in-place edit started of each message (by `Place.key`), per bot (the deps its presses are given). */
const latest = new WeakMap<PressDeps, Map<string, AbortController>>();

/**
 * An edit's turn on `place`: it ends the one before it still under way (its flood wait is cut short, and it is dropped
 * however it ends), and is ended in turn by the next. `passed` says a later edit took over.
 */
function takeTurn(deps: PressDeps, place: Place): { signal: AbortSignal; passed(): boolean; done(): void } {
  const edits = latest.get(deps) ?? new Map<string, AbortController>();
  latest.set(deps, edits);
  edits.get(place.key)?.abort();
  const turn = new AbortController();
  edits.set(place.key, turn);
  return {
    signal: turn.signal,
    passed: () => turn.signal.aborted,
    done: () => {
      if (edits.get(place.key) === turn) edits.delete(place.key);
    },
  };
}

/** grammY types its signal as its abort-controller shim's; Node's own is what it takes at run time. */
const grammySignal = (signal: AbortSignal) => signal as Parameters<Context['editMessageText']>[2];

function pressedPlace(ctx: Context): Place {
  const message = ctx.callbackQuery?.message;
  const key = message
    ? `${message.chat.id}:${message.message_id}`
    : `inline:${ctx.callbackQuery?.inline_message_id}`;
  return {
    key,
    edit: (text, markup, signal) => ctx.editMessageText(text, { reply_markup: markup }, grammySignal(signal)),
  };
}

function sentPlace(ctx: Context, chatId: number, messageId: number): Place {
  return {
    key: `${chatId}:${messageId}`,
    edit: (text, markup, signal) =>
      ctx.api.editMessageText(chatId, messageId, text, { reply_markup: markup }, grammySignal(signal)),
  };
}

/** Shows the first part of `reply` on `place` in its turn: 'passed' when a later edit took over meanwhile. */
async function putInPlace(
  deps: PressDeps,
  place: Place,
  reply: Reply,
  locale: NonNullable<Reply['locale']>,
): Promise<'edited' | 'passed' | 'refused'> {
  const [first] = textParts(reply, locale);
  const markup = keyboard(first, locale) ?? { inline_keyboard: [] };
  const turn = takeTurn(deps, place);
  try {
    await place.edit(replyText(first, locale), markup, turn.signal);
    return 'edited';
  } catch (error) {
    if (turn.passed()) return 'passed';
    // Pressed twice before the first edit landed: the message already shows this list.
    if (notModified(error)) return 'edited';
    throw error;
  } finally {
    turn.done();
  }
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
  // A list longer than one message: its first part takes the pressed message's place, the rest follow as messages
  // of their own, only where the presser alone sees them (in a group they wait for the next /queue).
  const [first, ...rest] = textParts(reply, locale);
  const place = pressedPlace(ctx);
  const shown = await putInPlace(deps, place, reply, locale).catch(() => 'refused' as const);
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
  // Taken over by a later edit ('passed'), the list was not shown: its lines are not delivered.
  if (shown === 'edited') partSent(deps.commands, c)(first);
  await ctx.answerCallbackQuery({ text: alertText(said) }).catch(() => undefined);
  if (reply.nextInPlace) showWhenKnown(deps, ctx, place, c, reply.nextInPlace);
  if (!group) await sendRest(deps, ctx, c, rest);
}

/**
 * A list longer than one message: the parts after the one put in place, as messages of their own, only where the
 * presser alone sees them (in a group they wait for the next /queue). The first part's buttons name their lines.
 */
async function sendRest(deps: PressDeps, ctx: Context, c: CommandContext, rest: readonly Reply[]) {
  for (const part of rest) await deps.replies.send(ctx, c, part);
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
      if ((await putInPlace(deps, place, reply, locale)) !== 'edited') return;
      const [first, ...rest] = textParts(reply, locale);
      partSent(deps.commands, c)(first);
      // As the list it follows: its later parts are new messages in a private chat, and wait for /queue in a group.
      if (ctx.chat?.type === 'private') await sendRest(deps, ctx, c, rest);
    })
    .catch((error: unknown) => {
      // The list it would replace stays (deleted meanwhile): it still offers Refresh.
      deps.log.warn({ err: error }, 'a /queue list could not be put in place');
    });
}
