// Answering an interaction: at once when the reply is ready within the acknowledgement budget, else after a
// deferral; a reply that starts a job becomes its status message, and one too long for a message goes on in
// follow-ups. Each message goes through `sendPart`, so what its lines deliver counts once Discord took it.
import {
  DiscordAPIError,
  type Message,
  type MessageComponentInteraction,
  MessageFlags,
  type RepliableInteraction,
  type StringSelectMenuInteraction,
} from 'discord.js';
import { type CommandContext, type Reply, textReply } from '../../commands/index.js';
import { within } from '../../src/within.js';
import { type PartSent, partSent, sendPart } from '../shared/delivered.js';
import { putInPlaceLater } from '../shared/in-place.js';
import { acknowledge } from './acknowledgement.js';
import { followUpPart, type LaterPart } from './list-parts.js';
import { deliveryUnconfirmed, mayHaveArrived } from './post-retries.js';
import { DEFAULT_UPLOAD_LIMIT, fitReply, interactionMessage, partsOf, toDiscordMessage } from './render.js';
import type { DiscordRuntime } from './runtime.js';
import { keepShown } from './shown-messages.js';
import { tokenRefused } from './status.js';
import { jobsStartedBy, withdrawUnsent } from './unsent.js';

/**
 * A reply not ready this long after the interaction was created is deferred first: Discord wants an answer within
 * 3 s of creation, and a busy process or a slow gateway may already have spent some of them.
 */
const ACK_BUDGET_MS = 2000;
/** Never less: a clock ahead of Discord's must not defer every answer (a refusal could no longer be private). */
const MIN_ACK_BUDGET_MS = 200;

/** How long a reply may still take before the interaction created at `createdTimestamp` is deferred. */
export function ackBudgetMs(createdTimestamp: number, now = Date.now()): number {
  const left = ACK_BUDGET_MS - (now - createdTimestamp);
  return Math.min(ACK_BUDGET_MS, Math.max(MIN_ACK_BUDGET_MS, Number.isFinite(left) ? left : ACK_BUDGET_MS));
}

/**
 * Answers an interaction with the reply `work` makes: at once (so a refusal or a personal answer is ephemeral)
 * when it is ready within the acknowledgement budget, else after a deferral, which must choose its visibility
 * first.
 */
export async function answer(
  rt: DiscordRuntime,
  i: RepliableInteraction,
  ctx: CommandContext,
  work: () => Promise<Reply>,
  privately: boolean,
): Promise<void> {
  const budget = ackBudgetMs(i.createdTimestamp);
  const pending = work();
  // Awaited below on every path but one (the deferral itself failing): that one must not leave it unhandled.
  pending.catch(() => undefined);
  const early = await within<Reply | undefined>(pending, budget, undefined);
  const uploadLimit = i.attachmentSizeLimit || DEFAULT_UPLOAD_LIMIT;
  const delivered = partSent(rt.commands, ctx);
  if (early === undefined) {
    await acknowledge(i, 'deferred', () =>
      i.deferReply(privately ? { flags: MessageFlags.Ephemeral } : {}),
    ).catch((error: unknown) => {
      // Refused (10062 mostly: past Discord's 3 s, the user saw "did not respond"), for whatever reason: the reply can
      // never be sent, so the jobs it starts are withdrawn as for a refused answer; else one would run for no one.
      pending
        .then(
          (reply) => withdrawUnsent(rt, ctx, reply),
          () => undefined,
        )
        .catch((second: unknown) => rt.log.warn({ err: second }, 'discord: an unsent reply’s jobs stayed'));
      throw error;
    });
    const reply = await pending;
    if (reply.deleteSource) return deleteSource(rt, i, ctx, true, reply.jobId);
    const parts = fitReply(reply, uploadLimit).then((fitted) => partsOf(fitted, ctx.locale));
    const sent = parts.then(([first]) =>
      sendPart(first, delivered, () => i.editReply(toDiscordMessage(first, ctx.locale))),
    );
    const first = { parts, sent, delivered, ephemeral: privately, deferred: true };
    return firstAndRest(rt, i, ctx, reply, first, privately);
  }
  const reply = early;
  if (reply.deleteSource) return deleteSource(rt, i, ctx, false, reply.jobId);
  const ephemeral = privately || reply.ephemeral === true;
  const parts = fitReply(reply, uploadLimit).then((fitted) => partsOf(fitted, ctx.locale));
  const sent = parts
    .then(([first]) =>
      // Undefined when Discord had taken it already (acknowledgement.ts): sent all the same.
      sendPart(first, delivered, () =>
        acknowledge(i, 'replied', () =>
          i.reply({ ...interactionMessage(first, ctx.locale, ephemeral), withResponse: true }),
        ),
      ),
    )
    .then((response) => (response ? (response.resource?.message ?? undefined) : sentAnyway(i)));
  await firstAndRest(rt, i, ctx, reply, { parts, sent, delivered, ephemeral, deferred: false }, privately);
}

/** An answer's first message being sent: the deferral's edit, or the answer at once. */
interface FirstMessage {
  parts: Promise<[Reply, ...Reply[]]>;
  sent: Promise<Message | undefined>;
  delivered: PartSent;
  ephemeral: boolean;
  deferred: boolean;
}

/**
 * The rest of an answer once its first message is on its way: the status message of its job, the further parts,
 * the follow-ups. Unconfirmed after discord.js's retries (a 5xx at every try), the first message may yet be showing
 * and name its jobs, so they go on, and so do those of its follow-ups (a first reply that starts none itself may carry
 * them). A deferral's edit may have been made, and the next edits of the same `@original` make it: nothing is stacked
 * over its message. An answer at once: had Discord taken an earlier try, the next would have met 40060 (sent after
 * all), so only the last is in doubt; the token is used as if it had been taken (the reply, found there, is the
 * status message as after a 40060), and where it was not, Discord refuses the token's edits (Unknown Webhook) and
 * the endings go as new messages (status.ts). Either way the reply found there counts as sent (`shownAnyway`).
 */
async function firstAndRest(
  rt: DiscordRuntime,
  i: RepliableInteraction,
  ctx: CommandContext,
  reply: Reply,
  { parts, sent, delivered, ephemeral, deferred }: FirstMessage,
  privately: boolean,
): Promise<void> {
  const opened = sent.catch(async (error: unknown) => {
    if (!keepsJobs(reply, error)) throw error;
    unconfirmed(rt, reply, error);
    if (!deferred) i.replied = true;
    return shownAnyway(i, (await parts)[0], delivered);
  });
  rt.jobMessages.openFromInteraction(i, ctx, reply, ephemeral, opened);
  const message = await opened.catch((error: unknown) => withdraw(rt, ctx, reply, error));
  const [first] = await parts;
  keepShown(rt, first, 0, message, ephemeral);
  await continued(rt, i, ctx, await parts, ephemeral, message);
  await followUps(rt, i, ctx, reply, privately);
}

/**
 * The further parts of an answer too long for one message (`partsOf`), each a follow-up as visible as the answer.
 * The answer itself was sent: one Discord refuses is logged, not turned into an error over it. A list a press puts
 * something in place of keeps those sent under its `first` message, where it is known, in its turn: a Refresh
 * pressed meanwhile waits, and takes over from the parts sent so far (list-parts.ts).
 */
export async function continued(
  rt: DiscordRuntime,
  i: RepliableInteraction | MessageComponentInteraction,
  ctx: CommandContext,
  parts: readonly Reply[],
  ephemeral: boolean,
  first?: Pick<Message, 'id'>,
): Promise<void> {
  const delivered = partSent(rt.commands, ctx);
  const listed = first && parts.length > 1 && putInPlaceLater(parts[0] as Reply);
  const turn = listed ? rt.laterParts.turn(first.id) : undefined;
  const later: LaterPart[] = [];
  try {
    for (let index = 1; index < parts.length; index++) {
      if (turn?.passed()) break;
      const sent = await followUpPart(rt, i, ctx, { parts, index, ephemeral, delivered });
      if (!sent) break;
      later.push(sent);
    }
  } finally {
    if (turn) {
      rt.laterParts.keep(turn, later);
      turn.done();
    }
  }
}

/**
 * The answer could not be sent: the jobs it started (the first and those its follow-ups would have carried) are
 * withdrawn (unsent.ts), then the failure goes on to the error handler, which tells the user to try again.
 */
function withdraw(rt: DiscordRuntime, ctx: CommandContext, reply: Reply, error: unknown): never {
  withdrawUnsent(rt, ctx, reply);
  throw error;
}

/**
 * How long the reply is looked up through the token after an answer Discord did not confirm. The lookup comes in the
 * outage that lost the answer, and discord.js would give it 3 tries of 15 s: the job's status messages and the
 * answer's follow-ups wait for it.
 */
export const REPLY_LOOKUP_MS = 3000;

/**
 * The reply Discord took though its answer was lost. Not found (an ephemeral one may not be fetched back) or not in
 * time, the status message is still reached through the interaction's token (`@original`). `fetchReply` passes
 * @discordjs/rest no AbortSignal, so a lookup out of time is given up, not cancelled: its request goes on through
 * discord.js's tries on the token's own queue (nothing else of ours reads it), and its late answer is dropped here.
 */
function sentAnyway(i: RepliableInteraction): Promise<Message | undefined> {
  return within<Message | undefined>(
    i.fetchReply().catch(() => undefined),
    REPLY_LOOKUP_MS,
    undefined,
  );
}

/**
 * After an answer Discord never confirmed (an interaction callback, or the edit of a deferral): the reply found
 * through the token, where the answer is there. Found, it was shown, so what `first`'s lines deliver or tell counts,
 * as for a confirmed one. A deferral's `@original` is there from the start, as "thinking…" (flagged Loading) until
 * an edit lands: found so, the answer never arrived, and nothing of it counts.
 */
async function shownAnyway(
  i: RepliableInteraction,
  first: Reply,
  delivered: PartSent,
): Promise<Message | undefined> {
  const found = await sentAnyway(i);
  if (!found || found.flags?.has(MessageFlags.Loading)) return undefined;
  delivered(first);
  return found;
}

/**
 * Answers an interaction already acknowledged as an update of the message it came from (a pick that took its
 * menu away): the reply, and those that come with it, as follow-up messages.
 */
export async function answerAfterUpdate(
  rt: DiscordRuntime,
  i: StringSelectMenuInteraction,
  ctx: CommandContext,
  work: () => Promise<Reply>,
  privately: boolean,
): Promise<void> {
  // Past the acknowledgement a failure must not be edited into the message the pick was on.
  const reply = await work().catch((error: unknown) => rt.errorReply(error));
  const ephemeral = privately || reply.ephemeral === true;
  const parts = fitReply(reply, i.attachmentSizeLimit || DEFAULT_UPLOAD_LIMIT).then((fitted) =>
    partsOf(fitted, ctx.locale),
  );
  const sent = parts.then(([first]) =>
    sendPart(first, partSent(rt.commands, ctx), () =>
      i.followUp(interactionMessage(first, ctx.locale, ephemeral)),
    ),
  );
  rt.jobMessages.openFromInteraction(i, ctx, reply, ephemeral, mayHaveArrived(sent), true);
  const ok = await sent.then(
    async (message) => {
      keepShown(rt, (await parts)[0], 0, message, ephemeral);
      return true;
    },
    (error: unknown) => {
      // Perhaps showing: its job goes on (a second try would run it twice), and the rest is sent as usual.
      if (deliveryUnconfirmed(error)) return unconfirmed(rt, reply, error);
      rt.log.warn({ err: error, jobId: reply.jobId }, 'a discord answer after a pick could not be sent');
      withdrawUnsent(rt, ctx, reply);
      return false;
    },
  );
  if (ok) {
    await continued(rt, i, ctx, await parts, ephemeral);
    await followUps(rt, i, ctx, reply, privately);
  }
  // Not rethrown: the error handler would edit it into the message the pick was on. The picker is told privately.
  else await privateFollowUp(rt, i, ctx, textReply('errors.generic'));
}

/**
 * The replies that come with the answer (a permutation's further jobs), each a follow-up message of its own. One
 * that Discord refuses does not keep the others back: its job is marked undelivered, and the user told later. It
 * is not rethrown either: the answer itself was sent, and turning it into an error would take the first job's
 * status message (and its buttons) away. One refused for its token (the answer kept as perhaps sent, `unconfirmed`,
 * that Discord never took: its token reaches nothing) shows nowhere, and nothing ever will through that token: its
 * status opens without a message, so its ending comes as a new message naming its owner (a DM for a private one),
 * as the first job's does.
 */
async function followUps(
  rt: DiscordRuntime,
  i: RepliableInteraction,
  ctx: CommandContext,
  reply: Reply,
  privately: boolean,
): Promise<void> {
  const uploadLimit = i.attachmentSizeLimit || DEFAULT_UPLOAD_LIMIT;
  const delivered = partSent(rt.commands, ctx);
  for (const more of reply.more ?? []) {
    const ephemeral = privately || more.ephemeral === true;
    const sent = fitReply(more, uploadLimit).then((fitted) =>
      sendPart(fitted, delivered, () => i.followUp(interactionMessage(fitted, ctx.locale, ephemeral))),
    );
    const opened = mayHaveArrived(sent).catch((error: unknown) => {
      if (tokenRefused(error)) return undefined;
      throw error;
    });
    rt.jobMessages.openFromInteraction(i, ctx, more, ephemeral, opened, true);
    await sent.then(
      (message) => keepShown(rt, more, 0, message, ephemeral),
      (error: unknown) =>
        rt.log.warn({ err: error, jobId: more.jobId }, 'a discord follow-up message could not be sent'),
    );
  }
}

/** A first reply whose jobs go on though it failed: Discord may have shown it, naming them. */
function keepsJobs(reply: Reply, error: unknown): boolean {
  return jobsStartedBy(reply).length > 0 && deliveryUnconfirmed(error);
}

function unconfirmed(rt: DiscordRuntime, reply: Reply, error: unknown): true {
  rt.log.warn(
    { err: error, jobIds: jobsStartedBy(reply) },
    'discord did not confirm a job’s first message; its jobs go on',
  );
  return true;
}

/**
 * The Delete button on a public message (ephemeral ones: `deleteEphemeral`): the message it was on goes, and the rest
 * of the job's result (its status message, every other message it was shown in), and the press needs no answer of
 * its own. It is acknowledged first: the other messages may wait out a rate limit past the 3 s Discord gives it.
 */
export async function deleteSource(
  rt: DiscordRuntime,
  i: RepliableInteraction,
  ctx: CommandContext,
  deferred: boolean,
  jobId?: string,
): Promise<void> {
  const pressed = i.isMessageComponent() ? i : undefined;
  if (pressed && !deferred)
    await acknowledge(pressed, 'deferred', () => pressed.deferUpdate()).catch((error: unknown) =>
      rt.log.debug({ err: error }, 'discord: a Delete press could not be acknowledged'),
    );
  const stays = pressed ? await deletePressed(pressed, !deferred) : undefined;
  // Deferred, the first follow-up would not be a message of its own: Discord makes it an edit of the deferred
  // response, deleted below. The presser is told in that response instead (private: a Delete press is answered so).
  const told = stays !== undefined && deferred && (await tellInReply(rt, i, ctx, rt.errorReply(stays)));
  if (pressed && stays !== undefined && !deferred)
    await privateFollowUp(rt, pressed, ctx, rt.errorReply(stays));
  if (jobId) await rt.jobMessages.deleteResultOf(jobId, pressed?.message.id);
  if (deferred && !told) await i.deleteReply().catch(() => undefined);
}

/**
 * The message a Delete was pressed on, through the channel; refused there (the bot lost the channel, an app
 * installed by the user), through the press itself once acknowledged as an update (its `@original` is that message).
 * Already gone is what Delete wanted; still there, what refused it comes back (the presser is told privately).
 */
async function deletePressed(i: MessageComponentInteraction, asUpdate: boolean): Promise<unknown> {
  const refused = await failureOf(i.message.delete());
  if (refused === undefined || alreadyGone(refused)) return undefined;
  const left = asUpdate && i.deferred ? await failureOf(i.deleteReply()) : refused;
  return left === undefined || alreadyGone(left) ? undefined : left;
}

/** `reply` edited into the deferred response; false (logged) when Discord refused it. */
async function tellInReply(
  rt: DiscordRuntime,
  i: RepliableInteraction,
  ctx: CommandContext,
  reply: Reply,
): Promise<boolean> {
  const [first] = partsOf(await fitReply(reply, i.attachmentSizeLimit || DEFAULT_UPLOAD_LIMIT), ctx.locale);
  return sendPart(first, partSent(rt.commands, ctx), () =>
    i.editReply(toDiscordMessage(first, ctx.locale)),
  ).then(
    () => true,
    (error: unknown) => {
      rt.log.warn({ err: error }, 'a discord deferred answer could not be sent');
      return false;
    },
  );
}

/** What `done` failed with, or undefined once it succeeded. */
function failureOf(done: Promise<unknown>): Promise<unknown> {
  return done.then(
    () => undefined,
    (error: unknown) => error ?? new Error('failed without a reason'),
  );
}

/** Unknown Message: deleted already (by a moderator, or a second press), which is what Delete wanted. */
function alreadyGone(error: unknown): boolean {
  return error instanceof DiscordAPIError && error.code === 10008;
}

/**
 * The Delete button on an ephemeral message. Discord keeps those out of the channel endpoint (10008 Unknown
 * Message): the press is acknowledged as an update at once, which makes the message it is on the interaction's
 * own (`@original`) to delete. A refusal (someone else's job) comes as a private follow-up.
 */
export async function deleteEphemeral(
  rt: DiscordRuntime,
  i: MessageComponentInteraction,
  ctx: CommandContext,
  work: () => Promise<Reply>,
): Promise<void> {
  await acknowledge(i, 'deferred', () => i.deferUpdate());
  // Past the acknowledgement a failure must not be edited into the message the press was on.
  const reply = await work().catch((error: unknown) => rt.errorReply(error));
  if (!reply.deleteSource) {
    await privateFollowUp(rt, i, ctx, reply);
    return;
  }
  const refused = await failureOf(i.deleteReply());
  // One message that cannot go keeps none of the others back.
  if (reply.jobId) await rt.jobMessages.deleteResultOf(reply.jobId, i.message.id);
  // Not edited into the message the press was on (that would replace the result with an error): the presser is
  // told privately, and a message already gone (10008) needs no word at all.
  if (refused === undefined || alreadyGone(refused)) return;
  rt.log.warn({ err: refused }, 'discord: a private result could not be deleted');
  await privateFollowUp(rt, i, ctx, rt.errorReply(refused));
}

/** A private word after a Delete press; one Discord refuses is logged, never edited over the result. */
export async function privateFollowUp(
  rt: DiscordRuntime,
  i: MessageComponentInteraction,
  ctx: CommandContext,
  reply: Reply,
): Promise<void> {
  const fitted = await fitReply(reply, i.attachmentSizeLimit || DEFAULT_UPLOAD_LIMIT);
  const parts = partsOf(fitted, ctx.locale);
  const follow = () => i.followUp(interactionMessage(parts[0], ctx.locale, true));
  const sent = await sendPart(parts[0], partSent(rt.commands, ctx), follow).then(
    () => true,
    (error: unknown) => {
      rt.log.warn({ err: error }, 'a discord private follow-up could not be sent');
      return false;
    },
  );
  if (sent) await continued(rt, i, ctx, parts, true);
}
