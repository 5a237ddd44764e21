// The later parts of an answer longer than one message, kept by the id of its first message, for when that message
// is put in place again (a /queue list after its Cancel n or Refresh, source-replacement.ts). Each part is reached
// through the token of the interaction that sent it: an ephemeral message, as a list is, can be edited or deleted no
// other way. The list put in place edits the earlier list's later parts into its own and deletes those it no longer
// needs; only the parts there was no message for are sent anew. Else the earlier parts would stay under the new
// list, numbered as it was, and the lines both show would be there twice.
import type { Message, MessageComponentInteraction, RepliableInteraction } from 'discord.js';
import { MessageFlags } from 'discord.js';
import type { CommandContext, Reply } from '../../commands/index.js';
import { partSent, sendPart } from '../shared/delivered.js';
import { toDiscordMessage } from './render.js';
import type { DiscordRuntime } from './runtime.js';
import { keepShown } from './shown-messages.js';
import { TOKEN_LIFETIME_MS } from './status.js';

type Sender = RepliableInteraction | MessageComponentInteraction;

/** A later part's message, and the interaction whose token reaches it. */
export interface LaterPart {
  message: Pick<Message, 'id' | 'channelId'>;
  via: Sender;
}

/** Bounds the memory: lists are looked at for minutes, and a token reaches its parts for 15 of them at most. */
const MAX_LISTS = 200;

export class LaterParts {
  /** In insertion order: the oldest are forgotten first. */
  private readonly lists = new Map<string, LaterPart[]>();

  remember(firstId: string, parts: readonly LaterPart[]): void {
    this.lists.delete(firstId);
    if (parts.length === 0) return;
    this.lists.set(firstId, [...parts]);
    for (const id of this.lists.keys()) {
      if (this.lists.size <= MAX_LISTS) break;
      this.lists.delete(id);
    }
  }

  /** The later parts shown under `firstId`, forgotten here: whoever puts a list in its place remembers its own. */
  take(firstId: string): LaterPart[] {
    const parts = this.lists.get(firstId) ?? [];
    this.lists.delete(firstId);
    return parts;
  }
}

/** Its token still edits and deletes the part (14 of its 15 minutes, as for a status message). */
function reachable(part: LaterPart, now = Date.now()): boolean {
  return now - part.via.createdTimestamp < TOKEN_LIFETIME_MS;
}

/**
 * Shows `parts` after their first, which `i` has just put in place of message `firstId`: the earlier list's later
 * parts are edited into these while their tokens reach them, the rest follow as new messages of `i` (as private as
 * the list), and the earlier parts left over are deleted. A part that cannot be sent ends the list there, as an
 * answer's further parts do (`continued`).
 */
export async function laterPartsInPlace(
  rt: DiscordRuntime,
  i: Sender,
  ctx: CommandContext,
  firstId: string,
  parts: readonly Reply[],
  ephemeral: boolean,
): Promise<void> {
  const earlier = rt.laterParts.take(firstId);
  const delivered = partSent(rt.commands, ctx);
  const shown: LaterPart[] = [];
  // Edited in order, so the parts stay in order: past one that could not be, every part is a new message.
  let edited = 0;
  for (const [index, part] of parts.entries()) {
    if (index === 0) continue;
    const old = edited === shown.length ? earlier[edited] : undefined;
    const payload = toDiscordMessage(part, ctx.locale);
    const kept =
      old && reachable(old)
        ? await sendPart(part, delivered, () =>
            old.via.editReply({ ...payload, message: old.message.id }),
          ).then(
            () => old,
            (error: unknown) => {
              rt.log.debug({ err: error }, 'discord: an earlier part of a list could not be edited');
              return undefined;
            },
          )
        : undefined;
    if (kept) edited += 1;
    const placed =
      kept ??
      (await sendPart(part, delivered, () =>
        i.followUp({
          content: payload.content,
          files: payload.files,
          components: payload.components,
          allowedMentions: payload.allowedMentions,
          ...(ephemeral ? { flags: MessageFlags.Ephemeral as const } : {}),
        }),
      ).then(
        (message): LaterPart => ({ message, via: i }),
        (error: unknown) => {
          rt.log.warn({ err: error }, 'the rest of a long discord answer could not be sent');
          return undefined;
        },
      ));
    if (!placed) break;
    keepShown(rt, parts[0] as Reply, index, placed.message, ephemeral);
    shown.push(placed);
  }
  // Those not edited into this list would show the earlier one's lines under it.
  for (const old of earlier.slice(edited))
    if (reachable(old))
      await old.via.deleteReply(old.message.id).catch((error: unknown) => {
        rt.log.debug({ err: error }, 'discord: an earlier part of a list could not be deleted');
      });
  rt.laterParts.remember(firstId, shown);
}
