// The later parts of an answer longer than one message, kept by its chat and first message, for when that message is
// put in place again (a /queue list after its Cancel n, its Refresh, or once the cancelled job stopped:
// source-replacement.ts). The list put in place edits the earlier list's later parts into its own and deletes those it
// no longer needs; only the parts there was no message for are sent anew. Else the earlier parts would stay under the
// new list, numbered as it was, naming jobs since cancelled, and the lines both show would be there twice. A bot may
// edit its own messages however old they are, but delete them only for 48 hours (in any chat): a part that cannot be
// deleted is edited to say it is no longer used, and left be while there is nothing new for it. A part the user deleted
// is passed over: the next one takes its place. Updates of one list take turns, the first part and the later parts in
// one (in-place-turns.ts `takeTurn`), as does the sending of a list's own later parts (replies.ts): one passed by a
// later update stops at once, its parts left to that one, so an older list's later parts never land under a newer one's
// first, and updates queued behind a newer one are skipped.
import { type Context, GrammyError } from 'grammy';
import type { CommandContext, Commands, Reply } from '../../commands/index.js';
import type { Locale } from '../../src/i18n.js';
import type { Logger } from '../../src/log.js';
import { type PartSent, partSent, sendPart } from '../shared/delivered.js';
import { type GrammySignal, grammySignal } from './in-place-turns.js';
import { notModified } from './not-modified.js';
import { replyText } from './render.js';
import type { TelegramReplies } from './replies.js';

/** Bounds the memory: a list is looked at for minutes, and one forgotten only has its later parts sent anew. */
const MAX_LISTS = 500;
/** The most messages one deleteMessages takes. */
const BATCH = 100;

const keyOf = (chatId: number, firstId: number) => `${chatId}:${firstId}`;

/** Telegram's word that the message is gone (the user deleted it): its place is the next part's. */
const gone = (error: unknown) =>
  error instanceof GrammyError && /message to edit not found/i.test(error.description);

export class LaterParts {
  /** The later parts' message ids of each list, least recently used first, and those of them saying they are unused. */
  private readonly lists = new Map<string, { ids: number[]; unused: Set<number> }>();

  /**
   * `note` counts each request on the chat's pacing lane (job-messages.ts), as every send is: edits of a list in a
   * group share its flood limit with the job status messages there.
   */
  constructor(readonly note: (chatId: number, group: boolean) => void = () => {}) {}

  /** `unused`: those of `ids` already edited to say they are no longer used (they could not be deleted). */
  remember(chatId: number, firstId: number, ids: readonly number[], unused: Iterable<number> = []): void {
    const key = keyOf(chatId, firstId);
    this.lists.delete(key);
    if (ids.length === 0) return;
    this.lists.set(key, { ids: [...ids], unused: new Set([...unused].filter((id) => ids.includes(id))) });
    for (const oldest of this.lists.keys()) {
      if (this.lists.size <= MAX_LISTS) break;
      this.lists.delete(oldest);
    }
  }

  /**
   * The later parts shown under `firstId`, with those of them already saying they are unused, forgotten here: whoever
   * puts a list in its place remembers its own.
   */
  taken(chatId: number, firstId: number): { ids: number[]; unused: Set<number> } {
    const key = keyOf(chatId, firstId);
    const list = this.lists.get(key) ?? { ids: [], unused: new Set<number>() };
    this.lists.delete(key);
    return list;
  }
}

/** An update's turn on a list, taken before its first part is put in place (in-place-turns.ts `takeTurn`). */
export interface ListTurn {
  /** Settles once every earlier update of the list has ended: only then are its parts this one's. */
  readonly before: Promise<void>;
  /** Every request of the update goes with it: a later update cuts its waits (flood control) short. */
  readonly signal: AbortSignal;
  /** A later update began: this one sends, edits and deletes nothing more. */
  passed(): boolean;
}

export interface ListDeps {
  commands: Pick<Commands, 'delivered'>;
  replies: Pick<TelegramReplies, 'send' | 'laterParts'>;
  log: Pick<Logger, 'warn'>;
}

/**
 * Whether a press sends messages anew in `ctx`'s chat: only in a private one. In a group everyone would see a list
 * nobody there asked for, so a press only edits or removes what is there (this file, source-replacement.ts).
 */
export const sendsAnew = (ctx: Context): boolean => ctx.chat?.type === 'private';

/**
 * Shows `rest`, the parts after the first of a list just put in place of message `firstId` in `turn`: the earlier
 * list's later parts are edited into these, in order, the rest follow as new messages, and the earlier parts left
 * over are deleted. In a group nothing new is sent (everyone would see a list nobody there asked for: the rest waits
 * for the next /queue), but the parts already there are still brought up to date or removed.
 */
export async function laterPartsInPlace(
  deps: ListDeps,
  ctx: Context,
  c: CommandContext,
  { firstId, turn }: { firstId: number; turn: ListTurn },
  rest: readonly Reply[],
  locale: Locale,
): Promise<void> {
  const chatId = ctx.chat?.id;
  if (chatId === undefined) return;
  const group = !sendsAnew(ctx);
  const parts = deps.replies.laterParts;
  await turn.before;
  if (turn.passed()) return;
  const signal = grammySignal(turn.signal);
  const note = () => parts.note(chatId, group);
  const { ids: earlier, unused } = parts.taken(chatId, firstId);
  const delivered = partSent(deps.commands, c);
  const edited: number[] = [];
  const sent: number[] = [];
  // The next earlier part to edit. Edited in order, so the parts stay in order: past one that could not be, every
  // part is a new message.
  let at = 0;
  let inOrder = true;
  try {
    for (const part of rest) {
      let placed: number | undefined;
      while (inOrder && placed === undefined && at < earlier.length && !turn.passed()) {
        const old = earlier[at] as number;
        note();
        const result = await editInto(
          deps,
          ctx,
          { chatId, id: old, text: replyText(part, locale), signal },
          part,
          delivered,
        );
        if (result === 'failed') inOrder = false;
        else at += 1;
        if (result === 'edited') placed = old;
      }
      if (placed !== undefined) edited.push(placed);
      if (turn.passed()) return;
      if (placed !== undefined) continue;
      inOrder = false;
      if (group) break;
      let sentAs: number | undefined;
      const sentOne = (messageId: number) => {
        sentAs ??= messageId;
      };
      try {
        await deps.replies.send(ctx, c, part, sentOne, turn.signal);
      } catch (error) {
        // Passed while it waited out flood control (its wait cut, nothing sent) or was refused: the later update's.
        if (turn.passed()) return;
        throw error;
      }
      if (sentAs === undefined) break;
      sent.push(sentAs);
    }
  } finally {
    // Those not edited into this list would show the earlier one's lines under it (a send failing too). Passed, the
    // parts not reached are left for the later update to edit or remove. One already saying it is unused is left
    // be: it could not be deleted before and would cost a request or three on every update. Kept in the order shown.
    const remaining = earlier.slice(at);
    const stale = remaining.filter((id) => !unused.has(id));
    const removal = turn.passed()
      ? { shown: stale, marked: [] }
      : await removeAll(deps, ctx, { chatId, note, signal, passed: turn.passed }, stale, locale);
    const left = remaining.filter((id) => unused.has(id) || removal.shown.includes(id));
    // A part edited back into the list is no longer unused: were it kept so, a shorter list would leave its lines be.
    const stillUnused = [...unused].filter((id) => !edited.includes(id));
    parts.remember(chatId, firstId, [...edited, ...left, ...sent], [...stillUnused, ...removal.marked]);
  }
}

/** Edits message `id` into `part` (as `text`): 'gone' when the user deleted it, 'failed' when refused otherwise. */
function editInto(
  deps: ListDeps,
  ctx: Context,
  { chatId, id, text, signal }: { chatId: number; id: number; text: string; signal: GrammySignal },
  part: Reply,
  delivered: PartSent,
): Promise<'edited' | 'gone' | 'failed'> {
  const edit = () =>
    ctx.api.editMessageText(chatId, id, text, undefined, signal).catch((error: unknown) => {
      // Shown already (the same list again, a Refresh with nothing changed): as good as edited.
      if (notModified(error)) return true;
      throw error;
    });
  return sendPart(part, delivered, edit).then(
    () => 'edited' as const,
    (error: unknown) => {
      if (gone(error)) return 'gone' as const;
      deps.log.warn({ err: error }, 'an earlier part of a telegram list could not be edited');
      return 'failed' as const;
    },
  );
}

/**
 * Deletes the earlier parts `ids` in one request; refused (one older than 48 hours), each is deleted on its own, and
 * one still refused edited to say it is no longer used. Returns those still shown, in order, and those of them now
 * saying they are unused. Passed meanwhile, it stops: the rest are the later update's, none of them tried here.
 */
async function removeAll(
  deps: ListDeps,
  ctx: Context,
  {
    chatId,
    note,
    signal,
    passed,
  }: { chatId: number; note: () => void; signal: GrammySignal; passed: () => boolean },
  ids: readonly number[],
  locale: Locale,
): Promise<{ shown: number[]; marked: number[] }> {
  if (ids.length === 0) return { shown: [], marked: [] };
  try {
    for (let from = 0; from < ids.length; from += BATCH) {
      note();
      await ctx.api.deleteMessages(chatId, ids.slice(from, from + BATCH), signal);
    }
    return { shown: [], marked: [] };
  } catch (error) {
    // Refused locally (inPlaceTries), not by Telegram: a later update took over.
    if (passed()) return { shown: [...ids], marked: [] };
    deps.log.warn({ err: error }, 'the earlier parts of a telegram list could not be deleted together');
  }
  const shown: number[] = [];
  const marked: number[] = [];
  const unused = replyText({ text: [{ key: 'queue.part_unused' }] }, locale);
  for (const [n, id] of ids.entries()) {
    if (passed()) return { shown: [...shown, ...ids.slice(n)], marked };
    note();
    const deleted = await ctx.api.deleteMessage(chatId, id, signal).then(
      () => true,
      () => false,
    );
    if (deleted) continue;
    if (passed()) return { shown: [...shown, ...ids.slice(n)], marked };
    note();
    const edit = await ctx.api.editMessageText(chatId, id, unused, undefined, signal).then(
      () => 'shown' as const,
      (error: unknown) => (gone(error) ? 'gone' : notModified(error) ? 'shown' : 'failed'),
    );
    if (edit !== 'gone') shown.push(id);
    if (edit === 'shown') marked.push(id);
  }
  return { shown, marked };
}
