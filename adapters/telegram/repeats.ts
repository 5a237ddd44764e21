// Updates handled again. After a crash or a restart an update comes again from Telegram when its offset was not
// confirmed (or as a webhook retry when the answer was slow), and from the inbox (inbox.ts), which keeps every update
// from its arrival until its handling ends: polling confirms a batch by asking for the next at once, before handling
// it (@grammyjs/runner, up to 500 updates in flight), so without the inbox a crash meanwhile would lose the request.
// Within a run the update_id settles it (a bounded memory; the inbox's leftovers are handled first, so Telegram's own
// second delivery of one is the repeat). Across a restart the job store does: every job keeps the chat and message
// that asked for it, or the button press (senders.ts `contextOf`), written in the same step as the job itself. The
// inbox cannot: its row goes when the handling ends, a separate write, so a crash between the job and that removal
// hands the update on again. What a job says was asked is exactly what must not be asked twice.
// - A message of a sender in a chat is a repeat when one of their jobs came from it, or from a later message of the
//   same chat: a chat's updates are handled in order (bot.ts, sequentialize), so a job from a later message means
//   this one was handled before it. That covers what made no job but must not run twice either: a bare `/cancel`
//   that would cancel the request sent after it. What answers without a job (`/help`, `/queue`, `/prefer`, a
//   `/cancel <id>`, a refusal) is not handled again once its answer began: the inbox row is marked just before the
//   first message leaves (answers-begun.ts, which says why a lost answer is chosen over a doubled one), so only a
//   process that died before answering at all hands it on.
// - An album is gathered apart from its chat's order (albums.ts): it is a repeat only when one of its items asked.
// - A button press is a repeat when a job of the presser's came from it. Other presses change nothing twice (Cancel,
//   Delete, More/Less name their job; a question asked is not asked again: its message marked the update).
// - Edits need nothing here: an edit that changes nothing of what a job was asked replaces nothing (edits.ts).
import type { Api, Context, NextFunction } from 'grammy';
import type { Message } from 'grammy/types';
import type { Job, JobQueueApi, JobStore, Owner } from '../../src/jobs/index.js';
import type { Logger } from '../../src/log.js';
import { RecentIds } from '../../src/recent-ids.js';
import { senderIdOf } from './sender-id.js';
import { pressedForChat } from './senders.js';

/** How many of the sender's latest jobs are looked at (a permutation makes several of one message). */
const JOBS_SEARCHED = 50;
/** Telegram's clock against ours: a message dated this much after our start may still be from before it. */
const CLOCK_SKEW_MS = 5 * 60_000;

export interface RepeatDeps {
  store: Pick<JobStore, 'recentOf'>;
  queue: Pick<JobQueueApi, 'get'>;
  api: Pick<Api, 'getChatMember'>;
  log: Pick<Logger, 'debug'>;
  now?: () => number;
}

export class RepeatedUpdates {
  /** The update ids handled in this run. */
  private readonly seen = new RecentIds(10_000);
  /** Presses that count as their chat's (senders.ts). */
  private readonly forChat = new WeakMap<Context, string>();
  /**
   * Messages sent after this run started cannot have been handled by an earlier one (`seen` covers this run), so
   * only older ones cost a store lookup: in a group with privacy mode off every line of chatter passes here.
   */
  private readonly startedAt: number;

  constructor(private readonly deps: RepeatDeps) {
    this.startedAt = (deps.now ?? Date.now)();
  }

  /** True the first time this run sees an update id. */
  firstDelivery(updateId: number): boolean {
    return this.seen.add(String(updateId));
  }

  /** The chat a press counts as, when it counts as its chat's (`admit` found out). */
  pressedAs(ctx: Context): string | undefined {
    return this.forChat.get(ctx);
  }

  /**
   * Middleware, once the update's chat is allowed and its turn has come: a message nobody sent (neither `from` nor
   * `sender_chat`) and an update handled in an earlier run go no further; nothing is said, the log says why.
   */
  async admit(ctx: Context, next: NextFunction): Promise<void> {
    const update = ctx.update.update_id;
    const message = ctx.message ?? ctx.editedMessage;
    const sender = senderIdOf(message);
    if (message && sender === undefined)
      return this.deps.log.debug({ update }, 'telegram message without a sender: ignored');
    const single = ctx.message?.media_group_id === undefined ? ctx.message : undefined;
    if (sender !== undefined && single && this.messageHandled(sender, single))
      return this.deps.log.debug({ update }, 'telegram message handled before: not run again');
    const query = ctx.callbackQuery;
    if (query) {
      const chat = await pressedForChat(this.deps.api, this.deps.queue, ctx);
      if (chat !== undefined) this.forChat.set(ctx, chat);
      if (this.pressHandled(chat ?? String(query.from.id), ctx)) {
        this.deps.log.debug({ update }, 'telegram button press handled before: not run again');
        // Stops a spinner the first run left, should Telegram still take the answer.
        await ctx.answerCallbackQuery().catch(() => undefined);
        return;
      }
    }
    await next();
  }

  /** Whether a new message (not an edit) of `userId` was handled before, in an earlier run. */
  messageHandled(userId: string, message: Message): boolean {
    if (message.date * 1000 > this.startedAt + CLOCK_SKEW_MS) return false;
    const chatId = message.chat.id;
    return this.jobsOf(userId).some((job) => {
      const asked = job.meta.telegramMessageId;
      return job.meta.telegramChatId === chatId && typeof asked === 'number' && asked >= message.message_id;
    });
  }

  /** Whether an album's items made a job of `userId`. */
  albumHandled(userId: string, messages: Message[]): boolean {
    const jobs = this.jobsOf(userId);
    return messages.some((m) =>
      jobs.some(
        (job) => job.meta.telegramChatId === m.chat.id && job.meta.telegramMessageId === m.message_id,
      ),
    );
  }

  /** Whether a button press made a job of `userId`. */
  pressHandled(userId: string, ctx: Context): boolean {
    const id = ctx.callbackQuery?.id;
    return id !== undefined && this.jobsOf(userId).some((job) => job.meta.telegramCallbackId === id);
  }

  private jobsOf(userId: string): Job[] {
    const owner: Owner = { platform: 'telegram', userId };
    return this.deps.store.recentOf(owner, JOBS_SEARCHED);
  }
}
