// The later parts of an answer longer than one message, kept by its chat and first message, for when that message is
// put in place again (a /queue list after its Cancel n, its Refresh, or once the cancelled job stopped:
// source-replacement.ts). The list put in place edits the earlier list's later parts into its own and deletes those
// it no longer needs; only the parts there was no message for are sent anew. Else the earlier parts would stay under
// the new list, numbered as it was, naming jobs since cancelled, and the lines both show would be there twice.
// Telegram refuses some edits (a message deleted, or in a group one older than 48 hours): such a part is left as it
// is and the list goes on in new messages below it, as before.
import type { Context } from 'grammy';
import type { CommandContext, Commands, Reply } from '../../commands/index.js';
import type { Locale } from '../../src/i18n.js';
import type { Logger } from '../../src/log.js';
import { type PartSent, partSent, sendPart } from '../shared/delivered.js';
import { notModified } from './not-modified.js';
import { replyText } from './render.js';
import type { TelegramReplies } from './replies.js';

/** Bounds the memory: a list is looked at for minutes, and one forgotten only has its later parts sent anew. */
const MAX_LISTS = 500;

const keyOf = (chatId: number, firstId: number) => `${chatId}:${firstId}`;

export class LaterParts {
  /** The later parts' message ids of each list, least recently used first. */
  private readonly lists = new Map<string, number[]>();
  /** The in-place update of each list's later parts under way: the next one waits for it (`inTurn`). */
  private readonly turns = new Map<string, Promise<void>>();

  remember(chatId: number, firstId: number, ids: readonly number[]): void {
    const key = keyOf(chatId, firstId);
    this.lists.delete(key);
    if (ids.length === 0) return;
    this.lists.set(key, [...ids]);
    for (const oldest of this.lists.keys()) {
      if (this.lists.size <= MAX_LISTS) break;
      this.lists.delete(oldest);
    }
  }

  /** The later parts shown under `firstId`, forgotten here: whoever puts a list in its place remembers its own. */
  take(chatId: number, firstId: number): number[] {
    const key = keyOf(chatId, firstId);
    const ids = this.lists.get(key) ?? [];
    this.lists.delete(key);
    return ids;
  }

  /**
   * Runs `work` once the list's earlier updates are done, in the order they were asked for: two at once would both
   * take the same earlier parts, or one would find none and send its parts anew beside the other's.
   */
  inTurn(chatId: number, firstId: number, work: () => Promise<void>): Promise<void> {
    const key = keyOf(chatId, firstId);
    const mine = (this.turns.get(key) ?? Promise.resolve()).then(work);
    const settled = mine.then(
      () => undefined,
      () => undefined,
    );
    this.turns.set(key, settled);
    void settled.then(() => {
      if (this.turns.get(key) === settled) this.turns.delete(key);
    });
    return mine;
  }
}

export interface ListDeps {
  commands: Pick<Commands, 'delivered'>;
  replies: Pick<TelegramReplies, 'send' | 'laterParts'>;
  log: Pick<Logger, 'warn'>;
}

/**
 * Shows `rest`, the parts after the first of a list just put in place of message `firstId`: the earlier list's later
 * parts are edited into these, in order, the rest follow as new messages, and the earlier parts left over are
 * deleted. In a group nothing new is sent (everyone would see a list nobody there asked for: the rest waits for the
 * next /queue), but the parts already there are still brought up to date or removed.
 */
export function laterPartsInPlace(
  deps: ListDeps,
  ctx: Context,
  c: CommandContext,
  firstId: number,
  rest: readonly Reply[],
  locale: Locale,
): Promise<void> {
  const chatId = ctx.chat?.id;
  if (chatId === undefined) return Promise.resolve();
  const group = ctx.chat?.type !== 'private';
  const parts = deps.replies.laterParts;
  return parts.inTurn(chatId, firstId, async () => {
    const earlier = parts.take(chatId, firstId);
    const delivered = partSent(deps.commands, c);
    const shown: number[] = [];
    // Edited in order, so the parts stay in order: past one that could not be, every part is a new message.
    let edited = 0;
    try {
      for (const part of rest) {
        const old = edited === shown.length ? earlier[edited] : undefined;
        if (
          old !== undefined &&
          (await editInto(deps, ctx, { chatId, id: old, text: replyText(part, locale) }, part, delivered))
        ) {
          edited += 1;
          shown.push(old);
          continue;
        }
        if (group) break;
        let sentAs: number | undefined;
        await deps.replies.send(ctx, c, part, (messageId) => {
          sentAs ??= messageId;
        });
        if (sentAs === undefined) break;
        shown.push(sentAs);
      }
    } finally {
      // Those not edited into this list would show the earlier one's lines under it.
      for (const old of earlier.slice(edited))
        await ctx.api.deleteMessage(chatId, old).catch((error: unknown) => {
          deps.log.warn({ err: error }, 'an earlier part of a telegram list could not be deleted');
        });
      parts.remember(chatId, firstId, shown);
    }
  });
}

/** Edits message `id` into `part` (as `text`); false when Telegram refused (deleted, too old): the part then goes anew. */
function editInto(
  deps: ListDeps,
  ctx: Context,
  { chatId, id, text }: { chatId: number; id: number; text: string },
  part: Reply,
  delivered: PartSent,
): Promise<boolean> {
  const edit = () =>
    ctx.api.editMessageText(chatId, id, text).catch((error: unknown) => {
      // Shown already (the same list again, a Refresh with nothing changed): as good as edited.
      if (notModified(error)) return true;
      throw error;
    });
  return sendPart(part, delivered, edit).then(
    () => true,
    (error: unknown) => {
      deps.log.warn({ err: error }, 'an earlier part of a telegram list could not be edited');
      return false;
    },
  );
}
