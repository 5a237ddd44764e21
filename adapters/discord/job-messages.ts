// Discord's part of the shared job-status lifecycle: where a job's status message lives (the interaction's reply,
// or a message in the channel), how to reopen it after a restart, and its pace (one edit per message per
// editIntervalMs). Ordering, pacing, the final-state rule and the fallback are the shared tracker's.
import type { Client, Message, RepliableInteraction } from 'discord.js';
import type { CommandContext, Reply } from '../../commands/index.js';
import { type Locale, matchLocale } from '../../src/i18n.js';
import type { DeliveryLog, Job } from '../../src/jobs/index.js';
import type { Logger } from '../../src/log.js';
import type { Delivery } from '../shared/job-status.js';
import { JobStatusTracker, reporting } from '../shared/job-status-tracker.js';
import { DEFAULT_UPLOAD_LIMIT, signature } from './render.js';
import { deleteShown, recordShown, shownMessagesOf } from './result-messages.js';
import { type DiscordPlace, DiscordStatus, placeOf } from './status.js';

export interface JobMessagesOptions {
  deliveries: DeliveryLog;
  log: Logger;
  onDelivery?: (jobId: string, delivery: Delivery) => void;
  /** The queue's `failureTold` (JobQueueApi): a failed ending reached its owner. */
  failureTold?: (jobId: string) => void;
  /** Minimum time between progress edits of one message. */
  editIntervalMs: number;
  /** A public job that took longer (from its command to its ending) ends with a new message that pings its owner. */
  notifyAfterMs?: number;
  /** The clock the queue stamps jobs with (`JobQueueApi.now`): which jobs are from before a restart. */
  now?: () => number;
}

/** Past a minute the user has likely looked away: the ending pings them, as Midjourney's results do. */
export const NOTIFY_AFTER_MS = 60_000;

export class DiscordJobMessages {
  private readonly tracker: JobStatusTracker;
  /** The status message of each unfinished job opened (or reopened) here; undefined when its answer failed. */
  private readonly statuses = new Map<string, Promise<DiscordStatus | undefined>>();
  /** Servers that removed the bot: a job of theirs reopened later asks nothing of their channels. */
  private readonly leftGuilds = new Set<string>();
  /** Jobs withdrawn because their server removed the bot, with its name for the line their owner gets. */
  private readonly withdrawn = new Map<string, string>();

  constructor(
    private readonly client: Client,
    private readonly options: JobMessagesOptions,
  ) {
    this.tracker = new JobStatusTracker({
      ...reporting(options),
      // Each status message is its own lane: Discord limits edits per message (about one a second observed).
      gaps: { privateMs: options.editIntervalMs, groupMs: options.editIntervalMs, globalMs: 0 },
      changes: (next, shown) => !shown || signature(next) !== signature(shown),
      now: options.now,
      restore: (job) => {
        const surface = this.restore(job);
        return surface && { surface, lane: { id: job.id, shared: false } };
      },
    });
  }

  /** A reply (or follow-up) to an interaction that starts a job becomes its status message once sent. */
  openFromInteraction(
    i: RepliableInteraction,
    ctx: CommandContext,
    reply: Reply,
    ephemeral: boolean,
    sent: Promise<Message | undefined>,
    followUp = false,
  ): void {
    if (!reply.startsJob || !reply.jobId) return;
    const place: DiscordPlace = {
      channelId: i.channelId ?? undefined,
      userId: i.user.id,
      locale: ctx.locale,
      uploadLimit: i.attachmentSizeLimit || DEFAULT_UPLOAD_LIMIT,
      private: ephemeral,
    };
    this.open(reply.jobId, reply, place, sent, i, followUp);
  }

  open(
    jobId: string,
    reply: Reply,
    place: DiscordPlace,
    sent: Promise<Message | undefined>,
    interaction?: RepliableInteraction,
    followUp = false,
  ): void {
    // The token's 15 minutes (and the wait a long job pings for) count from the command, not from its answer, which
    // may have come long after (slow downloads past a deferral); never later than now, whatever this clock says.
    const created = interaction?.createdTimestamp;
    const at = created !== undefined && Number.isFinite(created) ? Math.min(Date.now(), created) : Date.now();
    const surface = sent.then((message) => {
      const known = { ...place, ...(message ? { messageId: message.id } : {}) };
      this.options.deliveries.remember(jobId, { ...known });
      const posted = (ending: Message) => this.keepEnding(jobId, known, ending);
      return new DiscordStatus(
        this.client,
        known,
        interaction,
        at,
        followUp,
        this.notifyAfterMs,
        posted,
        (c, m) => this.options.log.warn(c, m),
      );
    });
    this.statuses.set(
      jobId,
      surface.catch(() => undefined),
    );
    const lane = { id: jobId, shared: false };
    this.tracker.note(lane);
    this.tracker.open(jobId, lane, reply, surface);
  }

  /** The job's status message as opened here; undefined for a job this process does not track. */
  statusOf(jobId: string): Promise<DiscordStatus | undefined> | undefined {
    return this.statuses.get(jobId);
  }

  /** The server removed the bot (`leftGuild`) or took it back (`joinedGuild`). */
  leftGuild(guildId: string): void {
    this.leftGuilds.add(guildId);
  }

  joinedGuild(guildId: string): void {
    this.leftGuilds.delete(guildId);
  }

  /** The job is being withdrawn as the server `serverName` removed the bot: its ending says so. */
  withdrawing(jobId: string, serverName: string): void {
    this.withdrawn.set(jobId, serverName);
  }

  private get notifyAfterMs(): number {
    return this.options.notifyAfterMs ?? NOTIFY_AFTER_MS;
  }

  update(job: Job, reply: Reply): Promise<void> {
    if (!reply.final) return this.tracker.update(job, reply);
    const server = this.withdrawn.get(job.id);
    this.withdrawn.delete(job.id);
    // Withdrawn as its server removed the bot: "Cancelled." alone would read as if someone had pressed Cancel.
    const told =
      server !== undefined && reply.outcome === 'cancelled'
        ? { ...reply, text: [{ key: 'job.cancelled_bot_removed', params: { server } }] }
        : reply;
    // After the ending: a job from before a restart is reopened (and so noted) by it.
    return this.tracker.update(job, told).finally(() => this.statuses.delete(job.id));
  }

  stop(): void {
    this.tracker.stop();
    this.statuses.clear();
    this.withdrawn.clear();
  }

  /** A job from before this process started: its stored status message, else its channel. */
  private restore(job: Job): DiscordStatus | undefined {
    const meta = job.meta;
    const stored = placeOf(this.options.deliveries.placeOf(job.id));
    const channelId = typeof meta.discordChannelId === 'string' ? meta.discordChannelId : undefined;
    const place = stored ?? {
      channelId,
      userId: job.owner.userId,
      locale: localeOf(meta.locale),
      uploadLimit:
        typeof meta.discordUploadLimit === 'number' ? meta.discordUploadLimit : DEFAULT_UPLOAD_LIMIT,
      private: meta.private === true,
    };
    // A job that outlived a restart has been waited for since it was submitted.
    const posted = (ending: Message) => this.keepEnding(job.id, place, ending);
    const status = new DiscordStatus(
      this.client,
      place,
      undefined,
      job.createdAt,
      false,
      this.notifyAfterMs,
      posted,
      (c, m) => this.options.log.warn(c, m),
    );
    if (job.scope.startsWith('guild:') && this.leftGuilds.has(job.scope.slice('guild:'.length)))
      status.guildLeft();
    this.statuses.set(job.id, Promise.resolve(status));
    return status;
  }

  /**
   * `message` carries (part of) `jobId`'s ending: stored beside its place, so a Delete pressed on the status message
   * removes it too, after a restart as well (result-messages.ts).
   */
  private keepEnding(jobId: string, place: DiscordPlace, message: Message): void {
    recordShown(this.options, jobId, message, place);
  }

  /**
   * `message` shows (part of) `jobId`'s result outside its status message and ending: the rest of its first reply
   * too long for one message, a grid image taken on its own, its file fetched from /queue. Delete removes it too.
   */
  keepShown(jobId: string, message: Pick<Message, 'channelId' | 'id'>): void {
    recordShown(this.options, jobId, message);
  }

  /**
   * The Delete button pressed on one message of a job: the rest of its result goes too. Its status message, unless
   * private (only its interaction deletes an ephemeral message), and every other message it was shown in
   * (result-messages.ts). Best effort, each on its own: never throws.
   */
  async deleteResultOf(jobId: string, pressedMessageId: string | undefined): Promise<void> {
    let stored: Record<string, unknown> | undefined;
    try {
      stored = this.options.deliveries.placeOf(jobId);
    } catch (error) {
      this.options.log.warn(
        { err: error, jobId },
        'discord: the messages of a deleted result could not be read',
      );
      return;
    }
    const place = placeOf(stored);
    const messages = shownMessagesOf(stored);
    if (place?.messageId && !place.private && place.channelId)
      messages.unshift({ channelId: place.channelId, messageId: place.messageId });
    const others = messages.filter((m) => m.messageId !== pressedMessageId);
    await deleteShown({ client: this.client, log: this.options.log }, jobId, others);
  }
}

function localeOf(value: unknown): Locale {
  return matchLocale(typeof value === 'string' ? value : undefined) ?? 'en';
}
