// Edited requests. Telegram users fix a typo by editing their message, which reaches the bot as an edited_message.
// While every job of that message still waits in the queue, the edit replaces them: the edited message is handled as
// if just sent while they are held, its submission takes their place, and its answer takes over the old status
// message, so the chat shows one request and one result (`settle`: when it is refused). Once a job has started the
// edit changes nothing: the author hears so once per message, and only while the job is fresh (an edit of an old
// request is someone tidying up, not asking). An edit of a message that made no job runs only when it is one of our
// commands and was sent recently: the typo fix of a refused command. Edits of chat messages are no business of the
// bot's, and album items are left alone (the other items of the album are not in the edit). Only the author can
// edit a message, and only their own jobs are looked at.
import { createHash } from 'node:crypto';
import type { Context } from 'grammy';
import type { Message } from 'grammy/types';
import { type CommandContext, textReply } from '../../commands/index.js';
import type { Job, JobHold, JobQueueApi, JobStore, Owner } from '../../src/jobs/index.js';
import { RecentIds } from '../../src/recent-ids.js';
import type { HandedOver, TelegramJobMessages } from './job-messages.js';
import type { TelegramReplies } from './replies.js';
import { senderIdOf } from './sender-id.js';

/** How recent a request must be for an edit of it to start a job or to hear that it came too late. */
export const EDIT_WINDOW_MS = 10 * 60_000;
/** How many of the author's latest jobs are searched for those of the edited message (a permutation makes several). */
const JOBS_SEARCHED = 50;

export interface EditDeps {
  jobs: {
    store: Pick<JobStore, 'recentOf'>;
    queue: Pick<JobQueueApi, 'get' | 'cancel' | 'accepting' | 'hold' | 'now'>;
  };
  jobMessages: Pick<TelegramJobMessages, 'handOver' | 'keep'>;
  replies: Pick<TelegramReplies, 'inherit' | 'release' | 'send' | 'wasRefused'>;
  context(ctx: Context): CommandContext;
  /** Whether the text is one of our commands. */
  isCommand(text: string | undefined): boolean;
  /**
   * Handles the edited message as the adapter handles a new one; `replaces` are the waiting jobs it stands for, held
   * for its submission (the commands let the replacement past the rate limit: the request was counted once already).
   */
  handle(ctx: Context, replaces?: string[]): Promise<void>;
  now?: () => number;
}

/**
 * What a job keeps of the message that asked for it (in its meta): the message, and a digest of what the bot reads
 * of it, so an edit that changes none of that (a link preview added) replaces nothing.
 */
export function requestMeta(message: Message | undefined): Record<string, unknown> {
  if (!message) return {};
  const media = message.photo?.at(-1)?.file_unique_id ?? message.document?.file_unique_id ?? '';
  const digest = createHash('sha256')
    .update(`${message.text ?? message.caption ?? ''}\n${media}`)
    .digest('base64url')
    .slice(0, 16);
  return { telegramMessageId: message.message_id, telegramDigest: digest };
}

export class EditedRequests {
  /** Messages whose author was told their edit came too late: once is enough, however often they edit. */
  private readonly told = new RecentIds(1000);

  constructor(private readonly deps: EditDeps) {}

  async onEdit(ctx: Context): Promise<void> {
    const message = ctx.editedMessage;
    // Live locations arrive as a stream of edits: only what carries words can be a request.
    const sender = senderIdOf(message);
    if (!message || sender === undefined || message.media_group_id !== undefined) return;
    if (message.text === undefined && message.caption === undefined) return;
    // The author's, or the chat's when it was sent on behalf of one (senders.ts).
    const owner: Owner = { platform: 'telegram', userId: sender };
    const jobs = this.jobsOf(owner, message);
    // The version in effect is that of the newest job not cancelled (a cancelled one was replaced or given up).
    const current = jobs.filter((job) => job.status !== 'cancelled').at(-1);
    if (current && current.meta.telegramDigest === requestMeta(message).telegramDigest) return;
    // Job stamps are on the queue's clock (Redis's with a shared queue), the message's date on Telegram's.
    const stampNow = this.deps.now?.() ?? this.deps.jobs.queue.now();
    const now = this.deps.now?.() ?? Date.now();
    const live = jobs.filter((job) => job.status === 'queued' || job.status === 'running');
    // Only a request none of whose jobs has run is replaced: a permutation with one line drawn already would be
    // drawn again in full.
    if (live.length > 0 && jobs.every((job) => job.status === 'queued' || job.status === 'cancelled'))
      return this.replace(ctx, owner, live);
    const ended = jobs.filter((job) => job.status === 'done' || job.status === 'failed');
    if (live.length > 0 || ended.some((job) => stampNow - (job.finishedAt ?? 0) < EDIT_WINDOW_MS))
      return this.tooLate(ctx, message);
    // Only cancelled jobs, or none: as if it were sent now, if it is a command that was refused (a typo fixed). A
    // command that worked (/help, /cancel, /delete) is not run again by tidying its message.
    if (ended.length > 0 || now - message.date * 1000 > EDIT_WINDOW_MS) return;
    const refused = jobs.length > 0 || this.deps.replies.wasRefused(message);
    if (refused && this.deps.isCommand(message.text ?? message.caption)) await this.deps.handle(ctx);
  }

  /** The author's jobs asked for by this message, oldest first, with their current status. */
  private jobsOf(owner: Owner, message: Message): Job[] {
    const { store, queue } = this.deps.jobs;
    return store
      .recentOf(owner, JOBS_SEARCHED)
      .filter(
        (job) =>
          job.meta.telegramChatId === message.chat.id && job.meta.telegramMessageId === message.message_id,
      )
      .map((job) => queue.get(job.id) ?? job)
      .sort((a, b) => a.seq - b.seq);
  }

  /**
   * Handles the edit in place of the waiting jobs, their status messages handed over to its answers; those no answer
   * takes end as their jobs did. The jobs are held meanwhile (checked and held in one turn of the event loop, so
   * none starts in between): its submission takes their place in the queue in one step, so a queue filling up while
   * the edit is parsed and its image downloaded cannot refuse it after they were gone (`settle`).
   */
  private async replace(ctx: Context, owner: Owner, jobs: Job[]): Promise<void> {
    const { jobMessages, jobs: system } = this.deps;
    // Shutting down: the replacement would be refused, and the jobs run after the restart. They stay; the author
    // hears why the edit did nothing.
    if (system.queue.accepting === false)
      return this.deps.replies.send(ctx, this.deps.context(ctx), textReply('errors.queue.stopping'));
    const ids = jobs.map((job) => job.id);
    const hold = system.queue.hold?.(ids, owner);
    // Asked for first: the cancel's ending may reach the status message at once.
    const handovers = jobs.map((job) => jobMessages.handOver(job.id));
    // A queue that cannot hold: cancelled now, and lost should the queue refuse the replacement.
    if (!hold) this.cancel(jobs, owner);
    let settled: Promise<HandedOver[]> | undefined;
    this.deps.replies.inherit(ctx, () => {
      settled ??= this.settle(hold, owner, jobs, handovers);
      return settled;
    });
    try {
      await this.deps.handle(ctx, ids);
    } catch (error) {
      // Failed before its submission was admitted or refused (a download that broke): the request stays as it was.
      hold?.release();
      throw error;
    } finally {
      const left = await this.deps.replies.release(ctx);
      // Never left held, whatever happened (ended already, this does nothing).
      hold?.release();
      await Promise.all(left.map((h) => h.end()));
    }
  }

  /**
   * What becomes of the held jobs once the edit has been handled (its first answer is about to be sent), and the
   * status messages its answers take over:
   * - replaced: its submission was admitted and cancelled them; their messages go to its answers.
   * - released: the queue refused the replacement (full, stopping, too long to run) or handling failed. Nothing
   *   says the author no longer wants the old request, and a full queue is no reason to lose it: it waits as before
   *   with its status message, and the refusal is a message of its own.
   * - still held: the queue was never asked. The edited command was refused as the author's mistake (a typo made
   *   into an invalid command), or asks for no job: the message no longer says what the old request did, so it goes,
   *   and the answer takes its status message.
   */
  private async settle(
    hold: JobHold | undefined,
    owner: Owner,
    jobs: Job[],
    handovers: Array<Promise<HandedOver | undefined>>,
  ): Promise<HandedOver[]> {
    if (hold?.state === 'held') {
      // Released and cancelled in one turn: the worker cannot start one in between.
      hold.release();
      this.cancel(jobs, owner);
    } else if (hold?.state === 'released') {
      for (const job of jobs) this.deps.jobMessages.keep(job.id);
    }
    return (await Promise.all(handovers)).filter((h) => h !== undefined);
  }

  private cancel(jobs: Job[], owner: Owner): void {
    for (const job of jobs) {
      if (this.deps.jobs.queue.cancel(job.id, owner, false) !== 'cancelled')
        this.deps.jobMessages.keep(job.id);
    }
  }

  private async tooLate(ctx: Context, message: Message): Promise<void> {
    if (!this.told.add(`${message.chat.id}:${message.message_id}`)) return;
    await this.deps.replies.send(ctx, this.deps.context(ctx), textReply('job.edit_too_late'));
  }
}
