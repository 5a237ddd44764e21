// A Discord job's status message as a StatusSurface: the interaction's reply while its token lives (14 of its 15
// minutes), then the same message through the bot's own channel endpoint. A public job that took longer than
// `notifyAfterMs` ends with a new message naming its owner (an edit notifies nobody), as Midjourney's results do.
// When neither can be edited the ending goes as a reply to the user's message (a mention), or next to the status
// message naming the user; a private job's ending goes to the user's DMs, and so does a public one whose channel
// refuses the bot (a user-installed app, a private thread, permissions changed), with a line saying why. Only the
// requester is ever pinged. A status message that is gone (Unknown Message: the user or a moderator deleted it)
// is StatusMessageGone, which the shared tracker takes as the end of its edits; so is one whose channel refused the
// bot for good (tried once, not at every state) and a private one past its interaction token.
import {
  type Client,
  DiscordAPIError,
  type Message,
  type MessageCreateOptions,
  type RepliableInteraction,
} from 'discord.js';
import { parseButtonId, type Reply, textReply } from '../../commands/index.js';
import { type Locale, matchLocale } from '../../src/i18n.js';
import type { StatusSurface } from '../shared/job-status.js';
import { StatusMessageGone } from '../shared/job-status-tracker.js';
import { postOnce } from './post-once.js';
import { deliveryUnconfirmed } from './post-retries.js';
import { DEFAULT_UPLOAD_LIMIT, fitReply, toDiscordMessage } from './render.js';

/** Interaction tokens live 15 minutes; past ~14 the status message is edited through the channel instead. */
export const TOKEN_LIFETIME_MS = 14 * 60_000;

/** What is stored per job, so a restarted bot can go on editing its status message. */
export interface DiscordPlace {
  channelId?: string;
  /** The status message (absent when it was never sent). */
  messageId?: string;
  /** The user's own message the job answers (a mention), for the fallback reply. */
  userMessageId?: string;
  userId: string;
  locale: Locale;
  uploadLimit: number;
  /** Ephemeral: only the interaction token can edit it, and a fallback goes to DMs. */
  private: boolean;
}

/** A place read back from storage, field by field (it was written by this adapter, but storage is untyped). */
export function placeOf(value: Record<string, unknown> | undefined): DiscordPlace | undefined {
  if (!value || typeof value.userId !== 'string') return undefined;
  const text = (key: string) => (typeof value[key] === 'string' ? { [key]: value[key] as string } : {});
  return {
    ...text('channelId'),
    ...text('messageId'),
    ...text('userMessageId'),
    userId: value.userId,
    locale: matchLocale(typeof value.locale === 'string' ? value.locale : undefined) ?? 'en',
    uploadLimit: typeof value.uploadLimit === 'number' ? value.uploadLimit : DEFAULT_UPLOAD_LIMIT,
    private: value.private === true,
  };
}

/**
 * Discord's answers that mean the interaction token itself is gone: Unknown Webhook (10015: never acknowledged),
 * Invalid Webhook Token (50027, a 401: past its 15 minutes). Unknown interaction (10062) is the callback route's
 * word for the same; should a webhook route ever say it, an edit refused so is no passing failure either.
 */
const TOKEN_GONE: ReadonlySet<unknown> = new Set([10015, 10062, 50027]);

export function tokenRefused(error: unknown): boolean {
  return error instanceof DiscordAPIError && (TOKEN_GONE.has(error.code) || error.status === 401);
}

/**
 * The channel refuses the bot for good, not for this once: no access or permission (403), no such channel or thread
 * for it (404), an archived or locked thread. A 5xx or a network failure is Discord's, not the channel's: a DM
 * would meet the same, and a result in DMs for a passing failure would only puzzle its owner.
 */
export function channelRefused(error: unknown): boolean {
  return (
    error instanceof DiscordAPIError &&
    (error.status === 403 || error.status === 404 || error.code === 50083 || error.code === 160005)
  );
}

/** Discord's answer for a message that no longer exists: the other endpoint would not find it either. */
const UNKNOWN_MESSAGE = 10008;

function gone(error: unknown): boolean {
  return error instanceof DiscordAPIError && error.code === UNKNOWN_MESSAGE;
}

/**
 * Thread is archived: no message in it can be edited, through either endpoint, but a new post unarchives it (unless
 * it is locked, which the post then finds out). The status message is done with; the channel is not.
 */
const THREAD_ARCHIVED = 50083;

function uneditable(error: unknown): boolean {
  return gone(error) || (error instanceof DiscordAPIError && error.code === THREAD_ARCHIVED);
}

/** The job's channel cannot take the bot's message (checked before any call, or refused by Discord). */
class ChannelUnreachable extends Error {}

/** Discord's answer when the user accepts no DMs from the bot (privacy settings, no shared server). */
const DMS_CLOSED = 50007;

export class DiscordStatus implements StatusSurface {
  /** The interaction token was refused once: later edits go through the channel at once. */
  private tokenDead = false;
  /** The channel refused a post once: the fallback goes to DMs without asking it again. */
  private channelGone = false;
  /** The job's server removed the bot: its channel is not asked again, and a withdrawal goes to DMs as it is. */
  private left = false;
  /** A post of the ending failed without a refusal (a 5xx, a lost connection): it may have arrived. */
  private unconfirmed = false;
  /** The ending's own post in the channel (a notifying one): the message its owner reads it on. */
  private endedIn: string | undefined;

  constructor(
    private readonly client: Client,
    readonly place: DiscordPlace,
    private readonly interaction?: RepliableInteraction,
    private readonly at = Date.now(),
    /** A follow-up message of the interaction (a permutation's further jobs), not its reply. */
    private readonly followUp = false,
    /** A job that took longer ends with a new message, so Discord notifies its owner (an edit does not). */
    private readonly notifyAfterMs = Number.POSITIVE_INFINITY,
    /** Hears each message the ending was posted as (in the channel, or a DM): Delete removes them with the status. */
    private readonly posted: (message: Message) => void = () => undefined,
    /** Told what went wrong where nothing is thrown for the tracker to report (a correction left as it may be). */
    private readonly warn: (context: Record<string, unknown>, message: string) => void = () => undefined,
  ) {}

  show(reply: Reply): Promise<void> {
    return this.edit(reply);
  }

  /**
   * The job's server removed the bot (GUILD_DELETE): its channel answers no more (403), so nothing is tried there;
   * the interaction's token, while it lives, still reaches the status message.
   */
  guildLeft(): void {
    this.left = true;
    this.channelGone = true;
  }

  /** How long the interaction's token still edits the status message (0 without one, or once refused). */
  tokenLeftMs(now = Date.now()): number {
    if (!this.interaction || this.tokenDead || (this.followUp && !this.place.messageId)) return 0;
    return Math.max(0, TOKEN_LIFETIME_MS - (now - this.at));
  }

  async finish(reply: Reply): Promise<boolean> {
    if (this.notifies(reply)) {
      try {
        // Not replyToUser: where the channel refuses, the status message is tried before the user's DMs.
        this.endedIn = (await this.postInChannel(reply)).id;
      } catch (error) {
        // Perhaps posted (its answer was lost): the status message taking the result too could show it twice. Thrown
        // on, the ending is marked undelivered, and the status message says it may be showing (`tellUndelivered`).
        if (this.unconfirmed) throw error;
        // No new message could be posted: the status message takes the ending, as for a quick job.
        await this.edit(reply);
        return true;
      }
      // The ending is on the new message; the status message points to it and keeps Delete, which removes both. A
      // failure's pointer says no more than where to look: a correction of it (`correct`) changes the post below.
      const remove = (reply.buttons ?? []).flat().filter((b) => parseButtonId(b.id)?.action === 'delete');
      await this.edit({
        jobId: reply.jobId,
        text: [{ key: reply.outcome === 'failed' ? 'job.see_below' : 'job.ended_below' }],
        buttons: remove.length > 0 ? [remove] : [],
      }).catch(() => undefined);
      return true;
    }
    await this.edit(reply);
    return true;
  }

  /**
   * A correction of the ending (job-status.ts `correct`): on the post that carried it, where its owner was pinged and
   * reads it, not on the status message above, which only points there; that post gone or refused, a reply to it.
   * Without such a post, the status message. An edit that failed otherwise (a 5xx, a lost connection) may have been
   * applied all the same: a reply as well could show the correction twice, so nothing more is sent.
   */
  async correct(reply: Reply): Promise<void> {
    const { place, endedIn } = this;
    if (!endedIn || !place.channelId) return this.edit(reply);
    const mention = place.userMessageId ? '' : `<@${place.userId}> `;
    const payload = toDiscordMessage(await fitReply(reply, place.uploadLimit), place.locale, mention);
    // A channel not reached sent no edit: nothing of the correction can have been shown yet.
    const channel = await this.client.channels.fetch(place.channelId).catch(() => undefined);
    if (!channel?.isTextBased()) {
      await this.postInChannel(reply, endedIn);
      return;
    }
    try {
      await channel.messages.edit(endedIn, {
        ...payload,
        allowedMentions: { parse: [], users: [place.userId] },
      } as Parameters<Message['edit']>[0]);
    } catch (error) {
      if (!(uneditable(error) || channelRefused(error))) {
        // Not thrown: the tracker would answer a throw with a reply to the user, the second copy this avoids.
        this.warn(
          { err: error, jobId: reply.jobId },
          'a correction of a job’s ending may not have been shown; not posted again',
        );
        return;
      }
      // Deleted, archived, or out of reach: a reply to it, quoting the failure it corrects (a plain post if gone).
      await this.postInChannel(reply, endedIn);
    }
  }

  /** A finished or failed public job the user waited long for (the one they cancelled needs no ping). */
  private notifies(reply: Reply): boolean {
    const ended = reply.outcome === 'done' || reply.outcome === 'failed';
    return ended && !this.place.private && Date.now() - this.at >= this.notifyAfterMs;
  }

  /**
   * After a fallback reply, the status message is tried once more (a refusal may have been passing): the final
   * text and buttons, without a second copy of the image (the reply carries it).
   */
  settle(reply: Reply): Promise<void> {
    return this.edit({ ...reply, images: undefined });
  }

  replyToUser(reply: Reply): Promise<void> {
    return this.replyOnce(reply);
  }

  /**
   * The ending was marked undelivered (/queue lists it). Where Discord's answer to it was lost, it may be showing
   * all the same: the status message says so, and where to find it if not. A refused one changes nothing here.
   */
  async tellUndelivered(): Promise<void> {
    if (this.unconfirmed) await this.edit(textReply('discord.undelivered_unsure'));
  }

  private async replyOnce(reply: Reply): Promise<void> {
    // An earlier post of this ending may be showing: a second one (a fresh nonce) could make it twice.
    if (this.unconfirmed) throw new Error('a post of the job’s ending may have arrived; not posted again');
    if (this.place.private) return this.sendToDm(reply);
    try {
      await this.postInChannel(reply);
    } catch (error) {
      if (!(error instanceof ChannelUnreachable || channelRefused(error))) throw error;
      // A job withdrawn as its server removed the bot: its line says where and why, nothing is "here" instead.
      const withdrawn = this.left && reply.outcome === 'cancelled';
      const text = withdrawn ? reply.text : [{ key: 'job.result_in_dm' }, ...reply.text];
      await this.sendToDm({ ...reply, text }).catch((dm: unknown) => {
        const closed = dm instanceof DiscordAPIError && dm.code === DMS_CLOSED;
        // Thrown on: the job is marked undelivered and stays listed in /queue, with its file a button away.
        throw new Error(
          `the job’s channel refused the bot and ${closed ? 'the owner’s DMs are closed (50007)' : 'a DM failed'}`,
          { cause: dm },
        );
      });
    }
  }

  private async sendToDm(reply: Reply): Promise<void> {
    const { place } = this;
    // A DM has the default upload limit, whatever a boosted server allowed.
    const limit = Math.min(place.uploadLimit, DEFAULT_UPLOAD_LIMIT);
    const payload = toDiscordMessage(await fitReply(reply, limit), place.locale);
    const user = await this.client.users.fetch(place.userId);
    // Opened apart from the post: a lost answer to opening the DM channel posted nothing.
    const dm = await user.createDM();
    const message = await this.posting(
      dm.send({
        ...payload,
        ...postOnce(),
        allowedMentions: { parse: [], users: [place.userId], repliedUser: true },
      } as MessageCreateOptions),
    );
    this.posted(message);
  }

  /** The ending as a new message in the job's channel, naming its owner. Throws ChannelUnreachable without one. */
  private async postInChannel(reply: Reply, answering?: string): Promise<Message> {
    const { place } = this;
    if (!place.channelId) throw new ChannelUnreachable('the job has no channel to post in');
    if (this.channelGone) throw new ChannelUnreachable('the job’s channel refused the bot before');
    // A reply to a slash command has no user message to answer: the mention names the one it is for.
    // Answering one of its own posts, the bot names the owner: the reply would ping only its author, the bot.
    const mention = place.userMessageId && !answering ? '' : `<@${place.userId}> `;
    const payload = toDiscordMessage(await fitReply(reply, place.uploadLimit), place.locale, mention);
    const only = { parse: [] as [], users: [place.userId], repliedUser: true };
    try {
      const channel = await this.client.channels.fetch(place.channelId);
      if (!channel?.isSendable()) throw new ChannelUnreachable('the job’s channel cannot be reached');
      const target = answering ?? place.userMessageId ?? place.messageId;
      const message = await this.posting(
        channel.send({
          ...payload,
          ...postOnce(),
          allowedMentions: only,
          ...(target ? { reply: { messageReference: target, failIfNotExists: false } } : {}),
        } as MessageCreateOptions),
      );
      this.posted(message);
      return message;
    } catch (error) {
      if (error instanceof ChannelUnreachable || channelRefused(error)) this.channelGone = true;
      throw error;
    }
  }

  /**
   * The post of an ending, noted when it fails without a refusal: only then may it be showing. A failure before any
   * post (looking up the channel or the user, opening the DM) leaves nothing that could be.
   */
  private posting(send: Promise<Message>): Promise<Message> {
    return send.catch((error: unknown) => {
      if (deliveryUnconfirmed(error)) this.unconfirmed = true;
      throw error;
    });
  }

  private async edit(reply: Reply): Promise<void> {
    const { place } = this;
    const payload = toDiscordMessage(await fitReply(reply, place.uploadLimit), place.locale);
    if (this.interaction && !this.tokenDead && Date.now() - this.at < TOKEN_LIFETIME_MS) {
      try {
        // Never confirmed (answer.ts): there is nothing to edit, and the ending goes as a new message.
        if (this.followUp && !place.messageId)
          throw new StatusMessageGone(new Error('the follow-up message was never confirmed'));
        await this.interaction.editReply(this.followUp ? { ...payload, message: place.messageId } : payload);
        return;
      } catch (error) {
        // No answer from Discord, or a 5xx (after discord.js's retries): this edit fails alone, and the token
        // still serves the next ones.
        if (!(error instanceof DiscordAPIError)) throw error;
        if (uneditable(error)) throw new StatusMessageGone(error);
        // Only a refused token is gone for good (below: the channel endpoint may still reach a public message);
        // any other refusal may be this edit's alone.
        if (tokenRefused(error)) this.tokenDead = true;
        else if (place.private || !place.messageId) throw error;
      }
    }
    // Past its interaction, a private message (or one never stored) can be edited no more: that is for good.
    if (place.private || !place.channelId || !place.messageId)
      throw new StatusMessageGone(new Error('the status message cannot be edited without its interaction'));
    // The channel refused the bot before: asking it again at every state would only spend invalid requests.
    if (this.channelGone)
      throw new StatusMessageGone(new ChannelUnreachable('the job’s channel refused the bot'));
    const { channelId, messageId } = place;
    try {
      // A fetch the channel refuses (403, Unknown Channel) is its refusal too; a 5xx or a network failure is not.
      const channel = await this.client.channels.fetch(channelId);
      if (!channel?.isTextBased()) throw new ChannelUnreachable('the job’s channel cannot be reached');
      await channel.messages.edit(messageId, payload as Parameters<Message['edit']>[0]);
    } catch (error) {
      if (uneditable(error)) throw new StatusMessageGone(error);
      if (!(error instanceof ChannelUnreachable || channelRefused(error))) throw error;
      this.channelGone = true;
      throw new StatusMessageGone(error);
    }
  }
}
