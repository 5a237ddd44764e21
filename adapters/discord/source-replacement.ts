// A press whose answer may take the place of the message it was on (`Reply.replaceSource`: a /queue list after its
// Cancel n or Refresh). Discord does that with the press's own acknowledgement, an update of the pressed message
// (callback type 7), ephemeral ones too; a reply not ready within the acknowledgement budget is deferred as an update
// (type 6), so the message it lands in is still the pressed one. Any other answer (a refusal) is the presser's alone:
// at once as `answer` gives it, or after a deferred update as a private follow-up, never over the message pressed on.
import type { ButtonInteraction } from 'discord.js';
import type { CommandContext, Reply } from '../../commands/index.js';
import { within } from '../../src/within.js';
import { partSent, sendPart } from '../shared/delivered.js';
import { acknowledge } from './acknowledgement.js';
import { ackBudgetMs, answer, privateFollowUp } from './answer.js';
import { laterPartsInPlace } from './list-parts.js';
import { DEFAULT_UPLOAD_LIMIT, fitReply, partsOf, toDiscordMessage } from './render.js';
import type { DiscordRuntime } from './runtime.js';

export async function answerInPlace(
  rt: DiscordRuntime,
  i: ButtonInteraction,
  ctx: CommandContext,
  work: () => Promise<Reply>,
): Promise<void> {
  const pending = work();
  // Awaited below on every path but one (the deferral itself failing): that one must not leave it unhandled.
  pending.catch(() => undefined);
  const early = await within<Reply | undefined>(pending, ackBudgetMs(i.createdTimestamp), undefined);
  if (early !== undefined && !early.replaceSource) return answer(rt, i, ctx, () => pending, true);
  if (early === undefined) await acknowledge(i, 'deferred', () => i.deferUpdate());
  // Past a deferred update a failure must not be edited into the message pressed on: it is told privately.
  const reply = early ?? (await pending.catch((error: unknown) => rt.errorReply(error)));
  if (!reply.replaceSource) return privateFollowUp(rt, i, ctx, reply);
  // When the next state became known, as a mark of the turns begun by then: one on the list begun later (a Refresh)
  // shows a newer list than it.
  const next = reply.nextInPlace?.then((later) => ({ reply: later, known: rt.laterParts.begunSoFar() }));
  // Refused, it is let be where nothing shows it (as before: showWhenKnown logs it).
  next?.catch(() => undefined);
  const { parts, message } = await inPlace(i, ctx, reply);
  const delivered = partSent(rt.commands, ctx);
  // In its turn on the list (list-parts.ts): an update of it under way, perhaps slow, ends first.
  const turn = rt.laterParts.turn(i.message.id);
  // Turns begun by now are not newer than this press.
  const own = rt.laterParts.begunSoFar();
  let refused: unknown;
  try {
    if (turn.waits && !i.deferred) await acknowledge(i, 'deferred', () => i.deferUpdate());
    await turn.clear;
    // A later update took over meanwhile: the list is its to show, the press only acknowledged. Its next state
    // still comes (below): the later update may show the cancelled job stopping, and nothing else replaces that.
    if (turn.passed()) {
      if (!i.deferred) await acknowledge(i, 'deferred', () => i.deferUpdate());
    } else if (!i.deferred)
      await sendPart(parts[0], delivered, () => acknowledge(i, 'replied', () => i.update(message)));
    // Else not thrown: the error handler would edit the error over the list, which stays as it was.
    else
      refused = await sendPart(parts[0], delivered, () => i.editReply(message)).then(
        () => undefined,
        (error: unknown) => error ?? new Error('failed without a reason'),
      );
    // A list longer than one message goes on below it, as private as it was, in the earlier list's later parts.
    if (refused === undefined && !turn.passed())
      await laterPartsInPlace(rt, i, ctx, turn, parts, privateTo(i, reply));
  } finally {
    turn.done();
  }
  if (refused !== undefined) return privateFollowUp(rt, i, ctx, rt.errorReply(refused));
  // After this list's later parts, so the next list's come below them, not between them.
  if (next) showWhenKnown(rt, i, ctx, { next, own });
}

/** Whether the list's later parts are the presser's alone: the reply says so, or the list pressed on was. */
function privateTo(i: ButtonInteraction, reply: Reply): boolean {
  return reply.ephemeral === true || i.message.flags.has('Ephemeral');
}

/** A reply's parts as Discord takes them, and the first as the message that takes the pressed one's place. */
async function inPlace(i: ButtonInteraction, ctx: CommandContext, reply: Reply) {
  const parts = partsOf(await fitReply(reply, i.attachmentSizeLimit || DEFAULT_UPLOAD_LIMIT), ctx.locale);
  const { content, files, components, attachments, allowedMentions } = toDiscordMessage(parts[0], ctx.locale);
  return { parts, message: { content, files, components, attachments, allowedMentions } };
}

/**
 * The pressed message's next state once it is known (`Reply.nextInPlace`: the list once the cancelled job has
 * stopped), edited in with the press's token; not awaited, so the press's own handling ends as before. Not when an
 * update of the list other than the press's own (`own`: the mark after its turn began) began after it was known:
 * that one (a Refresh pressed while the press was still being answered) shows a newer list, which it would overwrite.
 */
function showWhenKnown(
  rt: DiscordRuntime,
  i: ButtonInteraction,
  ctx: CommandContext,
  { next, own }: { next: Promise<{ reply: Reply | undefined; known: number }>; own: number },
): void {
  void next
    .then(async ({ reply, known }) => {
      if (!reply) return;
      const { parts, message } = await inPlace(i, ctx, reply);
      // Checked as its turn begins, so no update begun while it was being fitted is overwritten either.
      if (rt.laterParts.begunSince(i.message.id, Math.max(known, own))) return;
      const turn = rt.laterParts.turn(i.message.id);
      try {
        await turn.clear;
        if (turn.passed()) return;
        await sendPart(parts[0], partSent(rt.commands, ctx), () => i.editReply(message));
        // As the list it replaces: its first part's Cancel buttons name lines only the later parts show.
        await laterPartsInPlace(rt, i, ctx, turn, parts, privateTo(i, reply));
      } finally {
        turn.done();
      }
    })
    // The list it would replace stays: it still offers Refresh.
    .catch((error: unknown) => rt.log.warn({ err: error }, 'a /queue list could not be put in place'));
}
