// The later parts of an answer longer than one message, kept by the id of its first message, for when that message
// is put in place again (a /queue list after its Cancel n or Refresh, source-replacement.ts). Each part is reached
// through the token of the interaction that sent it: an ephemeral message, as a list is, can be edited or deleted no
// other way. The list put in place edits the earlier list's later parts into its own and deletes those it no longer
// needs; only the parts there was no message for are sent anew. Else the earlier parts would stay under the new
// list, numbered as it was, and the lines both show would be there twice.
// Updates of one list (presses in a row, a Cancel's next state during a Refresh, a Refresh while the answer's own
// parts are still going out) take turns, the latest begun last: one begun while another is under way tells it to
// stop, and waits for it. Two at once would both take the same earlier parts, or one would find none and send its
// own beside the other's, and an older list could land over a newer one.
import type {
  InteractionWebhook,
  Message,
  MessageComponentInteraction,
  RepliableInteraction,
} from 'discord.js';
import type { CommandContext, Reply } from '../../commands/index.js';
import { type PartSent, partSent, sendPart } from '../shared/delivered.js';
import { TurnMarks } from '../shared/turn-marks.js';
import { interactionMessage, toDiscordMessage } from './render.js';
import type { DiscordRuntime } from './runtime.js';
import { keepShown } from './shown-messages.js';
import { TOKEN_LIFETIME_MS } from './status.js';

type Sender = RepliableInteraction | MessageComponentInteraction;

/**
 * A later part's message, and the token that reaches it (the webhook of the interaction that sent it, not the
 * interaction: that holds its whole event), until that token's end (14 of its 15 minutes, as for a status message).
 */
export interface LaterPart {
  id: string;
  via: Pick<InteractionWebhook, 'editMessage' | 'deleteMessage'>;
  until: number;
}

function laterPart(message: Pick<Message, 'id'>, i: Sender): LaterPart {
  return { id: message.id, via: i.webhook, until: i.createdTimestamp + TOKEN_LIFETIME_MS };
}

const reachable = (part: LaterPart, now = Date.now()) => now < part.until;

/**
 * Sends `parts[index]` as a new follow-up of `i` (as private as `ephemeral`): its message as a later part, or
 * undefined (logged) when it could not be sent, which ends the answer there.
 */
export function followUpPart(
  rt: DiscordRuntime,
  i: Sender,
  ctx: CommandContext,
  {
    parts,
    index,
    ephemeral,
    delivered,
  }: { parts: readonly Reply[]; index: number; ephemeral: boolean; delivered: PartSent },
): Promise<LaterPart | undefined> {
  const part = parts[index] as Reply;
  return sendPart(part, delivered, () => i.followUp(interactionMessage(part, ctx.locale, ephemeral))).then(
    (message) => {
      // Part of the reply's result (the rest of a job's long first reply): its Delete removes this one too.
      keepShown(rt, parts[0] as Reply, index, message, ephemeral);
      return laterPart(message, i);
    },
    (error: unknown) => {
      rt.log.warn({ err: error }, 'the rest of a long discord answer could not be sent');
      return undefined;
    },
  );
}

/** An update's turn on a list (`LaterParts.turn`). */
export interface ListTurn {
  readonly firstId: string;
  /** Another update of the list was under way: this one begins once it has ended (`clear`). */
  readonly waits: boolean;
  readonly clear: Promise<void>;
  /** A later update began: this one edits and sends nothing more, and leaves what it placed to it. */
  passed(): boolean;
  /** Always called, however the update ended: the next one waits for it. */
  done(): void;
}

interface Entry {
  parts: LaterPart[];
  /** The latest update begun: the next waits for it to end, and for those before it. */
  latest?: { passed: boolean; ended: Promise<void> };
  /** Updates begun and not yet done. */
  held: number;
}

export class LaterParts {
  /** Only lists whose parts a token still reaches, or that an update holds: the others can be put in place no more. */
  private readonly lists = new Map<string, Entry>();
  /** When the latest turn on each list began, kept after it ended. */
  private readonly begun = new TurnMarks();

  /** A mark of how many turns have begun so far: `begunSince` compares a list's latest one with it. */
  begunSoFar(): number {
    return this.begun.mark();
  }

  /** Whether a turn on the list whose first message is `firstId` began after `mark` (`begunSoFar`). */
  begunSince(firstId: string, mark: number): boolean {
    return this.begun.since(firstId, mark);
  }

  /** The turn of an update of the list whose first message is `firstId` (or of its answer's sending its parts). */
  turn(firstId: string): ListTurn {
    const entry = this.lists.get(firstId) ?? { parts: [], held: 0 };
    this.lists.set(firstId, entry);
    this.begun.begin(firstId);
    const before = entry.latest;
    if (before) before.passed = true;
    const waits = entry.held > 0;
    entry.held += 1;
    let end = () => {};
    const own = new Promise<void>((resolve) => {
      end = resolve;
    });
    const clear = before?.ended ?? Promise.resolve();
    const mine = { passed: false, ended: Promise.all([clear, own]).then(() => undefined) };
    entry.latest = mine;
    let ended = false;
    return {
      firstId,
      waits,
      clear,
      passed: () => mine.passed,
      done: () => {
        if (ended) return;
        ended = true;
        end();
        entry.held -= 1;
        this.prune();
      },
    };
  }

  /** Within `turn`: the later parts shown under its list, in order, its own to keep (`keep`) or leave. */
  take(turn: ListTurn): LaterPart[] {
    const entry = this.lists.get(turn.firstId);
    const parts = entry?.parts ?? [];
    if (entry) entry.parts = [];
    return parts;
  }

  /** Within `turn`: the later parts now under its list, in order. */
  keep(turn: ListTurn, parts: readonly LaterPart[]): void {
    const entry = this.lists.get(turn.firstId);
    if (entry) entry.parts = [...parts];
  }

  private prune(now = Date.now()): void {
    for (const [id, entry] of this.lists) {
      entry.parts = entry.parts.filter((part) => reachable(part, now));
      if (entry.parts.length === 0 && entry.held === 0) this.lists.delete(id);
    }
  }
}

/**
 * Shows `parts` after their first, which `i` has just put in place of the list's first message in `turn`: the
 * earlier list's later parts are edited into these while their tokens reach them, the rest follow as new messages of
 * `i` (as private as the list), and the earlier parts left over are deleted. A part that cannot be sent ends the list
 * there, as an answer's further parts do (`continued`). Passed by a later update, it stops at once: the parts it has
 * not edited or deleted are left to that one, with those it placed.
 */
export async function laterPartsInPlace(
  rt: DiscordRuntime,
  i: Sender,
  ctx: CommandContext,
  turn: ListTurn,
  parts: readonly Reply[],
  ephemeral: boolean,
): Promise<void> {
  const earlier = rt.laterParts.take(turn);
  const delivered = partSent(rt.commands, ctx);
  const shown: LaterPart[] = [];
  // Edited in order, so the parts stay in order: past one that could not be, every part is a new message.
  let edited = 0;
  let deleted = 0;
  try {
    for (const [index, part] of parts.entries()) {
      if (index === 0) continue;
      if (turn.passed()) return;
      const old = edited === shown.length ? earlier[edited] : undefined;
      const kept =
        old && reachable(old)
          ? await sendPart(part, delivered, () =>
              old.via.editMessage(old.id, toDiscordMessage(part, ctx.locale)),
            ).then(
              () => old,
              (error: unknown) => {
                rt.log.debug({ err: error }, 'discord: an earlier part of a list could not be edited');
                return undefined;
              },
            )
          : undefined;
      if (kept) edited += 1;
      const placed = kept ?? (await followUpPart(rt, i, ctx, { parts, index, ephemeral, delivered }));
      if (!placed) break;
      shown.push(placed);
    }
    // Those not edited into this list would show the earlier one's lines under it.
    for (const old of earlier.slice(edited)) {
      if (turn.passed()) return;
      deleted += 1;
      if (reachable(old))
        await old.via.deleteMessage(old.id).catch((error: unknown) => {
          rt.log.debug({ err: error }, 'discord: an earlier part of a list could not be deleted');
        });
    }
  } finally {
    // In the order shown: the earlier parts this update edited, those it left, then those it sent.
    rt.laterParts.keep(turn, [
      ...shown.slice(0, edited),
      ...earlier.slice(edited + deleted),
      ...shown.slice(edited),
    ]);
  }
}
