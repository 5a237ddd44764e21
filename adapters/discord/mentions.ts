// Mentions of the bot: replying to a message with an image edits it (describes it when the text is a question),
// replying to one of our results uses its stored PNG, a mention alone is a prompt.
import {
  type APIInteractionGuildMember,
  type Attachment,
  type GuildMember,
  type Message,
  type MessageReplyOptions,
  PermissionFlagsBits,
} from 'discord.js';
import { type CommandContext, type Reply, resultJobOf, UserInputError } from '../../commands/index.js';
import { t } from '../../src/i18n.js';
import { partSent, sendPart } from '../shared/delivered.js';
import { imagesOf, pickerMessage } from './picker.js';
import { postOnce } from './post-once.js';
import { deliveryUnconfirmed, mayHaveArrived } from './post-retries.js';
import { DEFAULT_UPLOAD_LIMIT, fitReply, NO_MENTIONS, partsOf, toDiscordMessage } from './render.js';
import type { DiscordRuntime } from './runtime.js';
import { keepShown } from './shown-messages.js';
import { channelRefused, type DiscordPlace } from './status.js';
import { withdrawUnsent } from './unsent.js';

/**
 * The images a mention is about (those of the message it replies to, else its own), its text, and the job when
 * it replies to one of our results (whose stored PNG is the lossless original of what Discord shows). A command
 * typed in it (`@bot /imagine a fox`) takes a replied-to image only where it requires one (commands' `imageSlots`):
 * a fresh /imagine under a picture draws anew, from the mention's own image if it has one.
 */
export async function mentionSource(
  rt: DiscordRuntime,
  message: Message,
): Promise<{ images: Attachment[]; text: string; replied: boolean; result?: string }> {
  const me = rt.client.user?.id ?? '';
  const text = (message.content ?? '').replace(new RegExp(`<@!?${me}>`, 'g'), '').trim();
  let referenced: Message | undefined;
  if (message.reference?.messageId) {
    // The message it replies to may have been deleted meanwhile: that is the user's answer, not a crash.
    referenced = await message.fetchReference().catch(() => undefined);
    if (!referenced) throw new UserInputError('errors.discord.reference_gone');
  }
  const slots = rt.commands.imageSlotsOf(text);
  // A command taking no image is about none; one whose image is optional (/imagine) only about the mention's own.
  const takesImages = slots?.own !== 0;
  const replied = takesImages && slots?.replied !== false ? referenced : undefined;
  const theirs = imagesOf(replied);
  const own = takesImages ? imagesOf(message) : [];
  // Read as a prompt, a reply to an image the bot cannot see would draw something else than what was asked.
  if (replied && theirs.length === 0 && own.length === 0 && unreadable(replied, me))
    throw new UserInputError('errors.discord.no_image');
  const result = replied && replied.author?.id === me ? resultJobOf(buttonIdsOf(replied)) : undefined;
  const images = theirs.length > 0 ? theirs : own;
  return { images, text, replied: theirs.length > 0, ...(result ? { result } : {}) };
}

/**
 * Without the privileged Message Content intent Discord sends another member's server message (one that does not
 * mention the bot) with no content and no attachments: whatever it showed, the bot cannot tell.
 */
function unreadable(message: Message, me: string): boolean {
  return (
    message.guildId !== null &&
    message.author?.id !== me &&
    !message.content &&
    message.attachments.size === 0 &&
    message.embeds.length === 0
  );
}

/**
 * Whether the bot may answer in the mention's channel: post there, reply (which needs the history) and upload
 * the result. Unknown permissions (nothing cached) are left for Discord to judge.
 */
/** What the bot may do where a mention reached it: answer at all (a reply), and post the images a job makes. */
function mayAnswer(message: Message): 'yes' | 'no' | 'text_only' {
  if (!message.inGuild()) return 'yes';
  const me = message.guild.members.me;
  const permissions = me ? message.channel.permissionsFor(me) : null;
  if (!permissions) return 'yes';
  const send = message.channel.isThread()
    ? PermissionFlagsBits.SendMessagesInThreads
    : PermissionFlagsBits.SendMessages;
  if (!permissions.has([PermissionFlagsBits.ViewChannel, send, PermissionFlagsBits.ReadMessageHistory]))
    return 'no';
  return permissions.has(PermissionFlagsBits.AttachFiles) ? 'yes' : 'text_only';
}

/** A reply to the mention that still goes out when the mention was deleted meanwhile (without its reference). */
function replyTo(message: Message, options: MessageReplyOptions): Promise<Message> {
  return message.reply({ ...options, ...postOnce(), failIfNotExists: false });
}

/** One of our results (its stored PNG), else the image the mention is about, else the command typed, else a prompt. */
export async function mentionReply(
  rt: DiscordRuntime,
  ctx: CommandContext,
  source: { result?: string; text: string; replied: boolean },
  attachment: Attachment | undefined,
): Promise<Reply> {
  const { commands } = rt;
  const { result, text, replied } = source;
  if (result) return commands.replyToResult(ctx, result, text);
  // Asked before the image is downloaded: nothing of a blocked user's is fetched.
  const refusal = commands.refusal(ctx);
  if (refusal) return refusal;
  const image = await rt.image(attachment);
  if (image) return commands.replyToImage(ctx, { image, text, replied });
  // `@bot /imagine a fox` (or `imagine a fox`, as Midjourney's users say it): the command, not a prompt that says it.
  const typed = await commands.runText(ctx, commands.imageSlotsOf(text)?.line ?? text);
  return typed ?? commands.run(ctx, { name: 'imagine', options: { prompt: text } });
}

/** Mentions that reply to a message with an image: an edit, or a describe when it is a question. */
export async function onMessage(rt: DiscordRuntime, message: Message): Promise<void> {
  const me = rt.client.user;
  if (!me || !message.author || message.author.bot || !message.mentions?.users?.has(me.id)) return;
  if (!rt.allowed(message.guildId)) return;
  const may = mayAnswer(message);
  if (may === 'no') {
    // No job the user would never hear of; a channel the bot may not write in is not worth a warning.
    rt.log.debug({ channelId: message.channelId }, 'discord mention ignored: the bot may not answer there');
    return;
  }
  const ctx = rt.context({
    user: message.author,
    guildId: message.guildId,
    locale: message.guild?.preferredLocale ?? null,
    channelId: message.channelId,
    roles: roleIdsOf(message.member),
    uploadLimit: DEFAULT_UPLOAD_LIMIT,
  });
  if (may === 'text_only') {
    // Every job here ends in an image the bot could not post: say so instead of running one nobody receives.
    await replyTo(message, {
      content: t(ctx.locale, 'errors.discord.cannot_attach'),
      allowedMentions: NO_MENTIONS,
    });
    return;
  }
  if (rt.dmsRefused(message.guildId)) {
    await replyTo(message, {
      content: t(ctx.locale, 'errors.discord.dms_disabled'),
      allowedMentions: NO_MENTIONS,
    });
    return;
  }
  let reply: Reply;
  try {
    const source = await mentionSource(rt, message);
    const { images, result } = source;
    if (!result && images.length > 1) {
      await replyTo(message, {
        ...pickerMessage(images, 'mention', message.id, ctx.locale),
        allowedMentions: NO_MENTIONS,
      });
      return;
    }
    reply = await mentionReply(rt, ctx, source, images[0]);
  } catch (error) {
    reply = rt.errorReply(error);
  }
  // A blocked user's repeated refusal: a mention needs no answer (commands/blocked.ts).
  if (reply.silent) return;
  const first = await post(rt, message, ctx, reply).then(
    () => undefined,
    (error: unknown) => ({ error }),
  );
  if (first && deliveryUnconfirmed(first.error)) {
    // Perhaps showing (Discord's answer was lost after the retries): its jobs go on, and end in a reply of their own.
    rt.log.warn({ err: first.error, jobId: reply.jobId }, 'discord did not confirm a reply; its jobs go on');
  } else if (first) {
    // Refused: its jobs, and those the replies below would have carried, reach no one (unsent.ts).
    withdrawUnsent(rt, ctx, reply);
    await tellRefused(rt, message, ctx, first.error);
    throw first.error;
  }
  // Those that come with it (a permutation's further jobs), each a reply of its own; one that Discord refuses does
  // not keep the others back, and its job, as after an answer's refused follow-up, is kept and told later.
  const failures: unknown[] = [];
  for (const one of reply.more ?? []) {
    await post(rt, message, ctx, one).catch((error: unknown) => failures.push(error));
  }
  if (failures.length > 0) throw failures[0];
}

/**
 * One reply to the mention (in several messages when too long for one, each reported once sent: `sendPart`); one
 * that starts a job becomes its status message once sent.
 */
async function post(rt: DiscordRuntime, message: Message, ctx: CommandContext, one: Reply): Promise<void> {
  const [first, ...rest] = partsOf(await fitReply(one, DEFAULT_UPLOAD_LIMIT), ctx.locale);
  const delivered = partSent(rt.commands, ctx);
  const payload = toDiscordMessage(first, ctx.locale);
  const sent = sendPart(first, delivered, () => replyTo(message, payload as MessageReplyOptions));
  if (one.startsJob && one.jobId) {
    const place: DiscordPlace = {
      channelId: message.channelId,
      userMessageId: message.id,
      userId: message.author.id,
      locale: ctx.locale,
      uploadLimit: DEFAULT_UPLOAD_LIMIT,
      private: false,
    };
    rt.jobMessages.open(one.jobId, one, place, mayHaveArrived(sent));
  }
  keepShown(rt, first, 0, await sent, false);
  // The reply itself was sent: a refused rest is logged, not taken for a refusal of the reply.
  for (const [index, part] of rest.entries()) {
    const payload = toDiscordMessage(part, ctx.locale) as MessageReplyOptions;
    const failed = await sendPart(part, delivered, () => replyTo(message, payload)).then(
      (posted) => {
        keepShown(rt, first, index + 1, posted, false);
        return false;
      },
      (error: unknown) => {
        rt.log.warn({ err: error }, 'the rest of a long discord reply could not be sent');
        return true;
      },
    );
    if (failed) return;
  }
}

/**
 * The first reply was refused. Where the refusal was the message's (Invalid Form Body, say), not the channel's, a
 * plain line still goes there, once: the user hears to try again instead of nothing.
 */
async function tellRefused(
  rt: DiscordRuntime,
  message: Message,
  ctx: CommandContext,
  error: unknown,
): Promise<void> {
  if (channelRefused(error)) return;
  await replyTo(message, { content: t(ctx.locale, 'errors.generic'), allowedMentions: NO_MENTIONS }).catch(
    (second: unknown) => rt.log.debug({ err: second }, 'discord: a refused mention reply could not be told'),
  );
}

/** The custom ids of a message's buttons. */
function buttonIdsOf(message: Message): string[] {
  return message.components.flatMap((row) =>
    'components' in row
      ? row.components.flatMap((c) => ('customId' in c && c.customId ? [c.customId] : []))
      : [],
  );
}

/**
 * Role ids of a member: a cached GuildMember's roles, or the raw list an interaction carries when the guild is not
 * cached.
 */
export function roleIdsOf(
  member: GuildMember | Pick<APIInteractionGuildMember, 'roles'> | null | undefined,
): string[] {
  if (!member) return [];
  if (Array.isArray(member.roles)) return member.roles;
  return [...member.roles.cache.keys()];
}
