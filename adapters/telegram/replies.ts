// Answers to an update: a reply and the ones that come with it (a permutation's further jobs), each a message of its
// own, images with their keyboard or else text (a text too long for one message goes on in further ones). The reply
// that starts a job becomes its status message, answering the user's message (a job from a button: see
// button-jobs.ts). Answers to an edited request take over the status messages of the jobs it replaced, text by
// text, before any new message is sent (edits.ts). Each message is reported once Telegram took it (`sendPart`): what
// its lines deliver (a /queue answer) counts only then.
import type { Api, Context } from 'grammy';
import type { Message } from 'grammy/types';
import { type CommandContext, type Commands, isRefusal, type Reply } from '../../commands/index.js';
import { RecentIds } from '../../src/recent-ids.js';
import { partSent, sendPart } from '../shared/delivered.js';
import { putInPlaceLater } from '../shared/in-place.js';
import { anchorOfPress, type JobAnchor, mentionOf } from './button-jobs.js';
import { grammySignal, placeKey, takeTurn } from './in-place-turns.js';
import type { HandedOver, TelegramJobMessages } from './job-messages.js';
import { LaterParts } from './list-parts.js';
import { notModified } from './not-modified.js';
import { keyboard, replyText, TEXT_LIMIT, textParts } from './render.js';
import { mayHaveArrived } from './retries.js';
import { inTopic, type SendTarget, sendFurther, sendImages, topicOf } from './send.js';
import { cannotWriteTo, sendPrivately } from './send-privately.js';

export class TelegramReplies {
  /**
   * Status messages handed over to the answers of an update, in order, once known (`load`, asked for when the first
   * answer is sent: an edited request's jobs end only as its submission is admitted); taken ones are removed.
   */
  private readonly inherited = new WeakMap<
    Context,
    { load: () => Promise<HandedOver[]>; loaded?: Promise<HandedOver[]> }
  >();
  /** Requests answered with a refusal (`chat:message`): an edit of one runs again, as a fixed typo should. */
  private readonly refused = new RecentIds(1000);
  /**
   * The later parts of answers longer than a message, for a list put in place of its first (list-parts.ts); its
   * edits and deletes count on the chat's pacing lane, as sends do.
   */
  readonly laterParts = new LaterParts((chatId, group) => this.jobMessages.note(chatId, group));

  constructor(
    private readonly api: Api,
    private readonly jobMessages: TelegramJobMessages,
    /**
     * `withdraw` cancels jobs whose first answer could reach no one; `delivered` hears of every message sent (what
     * its lines deliver counts then).
     */
    private readonly commands: Pick<Commands, 'withdraw' | 'delivered'>,
    /** What is said instead of `reply`, if anything: a request set aside for the next start (inbox.ts `postpone`). */
    private readonly instead: (ctx: Context, reply: Reply) => Reply | undefined = () => undefined,
  ) {}

  /**
   * The answers to `ctx` take over the status messages `load` resolves with (an edited request's), in order, until
   * `release`. `load` is called once, when the first answer is sent, or else by `release`.
   */
  inherit(ctx: Context, load: () => Promise<HandedOver[]>): void {
    this.inherited.set(ctx, { load });
  }

  /** Ends `inherit`: the status messages no answer took. */
  async release(ctx: Context): Promise<HandedOver[]> {
    const left = this.inheritedOf(ctx);
    this.inherited.delete(ctx);
    return (await left) ?? [];
  }

  private inheritedOf(ctx: Context): Promise<HandedOver[]> | undefined {
    const entry = this.inherited.get(ctx);
    if (entry) entry.loaded ??= entry.load().then((handed) => [...handed]);
    return entry?.loaded;
  }

  /** The request of this update was refused (a bad flag, an image too large, …): see `wasRefused`. */
  noteRefusal(ctx: Context): void {
    const message = ctx.message ?? ctx.editedMessage;
    if (message) this.refused.add(`${message.chat.id}:${message.message_id}`);
  }

  wasRefused(message: Pick<Message, 'chat' | 'message_id'>): boolean {
    return this.refused.has(`${message.chat.id}:${message.message_id}`);
  }

  /**
   * Sends every message of `reply`: one that Telegram refuses does not keep the others back. `placed` hears of the
   * message that shows the first part of `asked` itself (not of what is said instead), once sent and, where its later
   * parts are kept, once their turn began (`sendLater`). `signal`: the turn of the list this is a later part of
   * (list-parts.ts), which cuts its waits.
   */
  async send(
    ctx: Context,
    c: CommandContext,
    asked: Reply,
    placed?: (messageId: number) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    // A blocked user's repeated refusal: a message needs no answer (commands/blocked.ts).
    if (asked.silent) return;
    const reply = this.instead(ctx, asked) ?? asked;
    // A private reply asked for in a group: the group is shown only where it went.
    const delivered = partSent(this.commands, c);
    const shown = await sendPrivately(this.api, ctx.chat, c.user.userId, c.locale, reply, delivered);
    if (isRefusal(shown)) this.noteRefusal(ctx);
    const failures: unknown[] = [];
    for (const one of [shown, ...(shown.more ?? [])]) {
      const reported = one === asked ? placed : undefined;
      await this.sendOne(ctx, c, one, reported, signal).catch((error: unknown) => failures.push(error));
    }
    if (failures.length > 0) throw failures[0];
  }

  /** Where the messages answering this update reply to: the user's message, or for a press the pressed one. */
  private anchorOf(ctx: Context, startsJob: boolean): JobAnchor {
    const message = ctx.message ?? ctx.editedMessage;
    if (message) return { replyTo: message.message_id, requester: ctx.from?.id };
    const query = ctx.callbackQuery;
    const pressed = ctx.msg;
    if (!startsJob || !query || !ctx.chat) return { replyTo: pressed?.message_id };
    const press = {
      chatId: ctx.chat.id,
      group: ctx.chat.type !== 'private',
      data: query.data ?? '',
      pressed,
      presser: query.from,
    };
    return anchorOfPress(press, (jobId) => this.jobMessages.placeOf(jobId));
  }

  private async sendOne(
    ctx: Context,
    c: CommandContext,
    reply: Reply,
    placed?: (messageId: number) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    const chatId = ctx.chat?.id;
    if (chatId === undefined) return;
    const group = ctx.chat?.type !== 'private';
    // Later replies naming the job (a /cancel answer) are not its status message.
    const jobId = reply.startsJob ? reply.jobId : undefined;
    const { replyTo, requester, mention } = this.anchorOf(ctx, jobId !== undefined);
    const parameters = replyTo
      ? { reply_parameters: { message_id: replyTo, allow_sending_without_reply: true } }
      : {};
    const threadId = topicOf(ctx.msg);
    const delivered = partSent(this.commands, c);
    const target = { chatId, locale: c.locale, parameters, threadId, sent: delivered };
    this.jobMessages.note(chatId, group);
    if (reply.images && reply.images.length > 0) {
      // A result sent outside its job's ending (a grid's pick, a fetched file): its Delete removes these too.
      const results = resultsCarried(reply);
      const onMessage = (messageId: number) => {
        for (const id of results) this.jobMessages.keepResult(id, { chatId, messageId });
      };
      await sendImages(this.api, results.length > 0 ? { ...target, onMessage } : target, reply);
      return;
    }
    const { prefix, entities } = mentionOf(mention);
    // A longer answer goes on in further ones; a job's status message is the first, edited in place later.
    const [first, ...rest] = textParts(reply, c.locale, TEXT_LIMIT - prefix.length);
    const text = prefix + replyText(first, c.locale, TEXT_LIMIT - prefix.length);
    const markup = keyboard(first, c.locale);
    const handed = await this.takeInherited(ctx);
    const sent = await sendPart(
      first,
      delivered,
      async () =>
        (handed && (await this.takeOver(handed, text, markup))) ??
        (await this.api
          .sendMessage(
            chatId,
            text,
            {
              ...parameters,
              ...(entities ? { entities } : {}),
              ...inTopic(threadId),
              reply_markup: markup,
            },
            signal && grammySignal(signal),
          )
          .catch((error: unknown) => {
            // The bot may not write here at all (blocked, removed, a chat gone): the job would run for no one.
            if (jobId && cannotWriteTo(error)) this.commands.withdraw(c, [jobId]);
            else if (jobId && mayHaveArrived(error)) {
              const where = { chatId, group, locale: c.locale, replyTo, threadId };
              this.jobMessages.openUnseen(jobId, reply, where);
              return undefined;
            } else if (jobId) this.jobMessages.open(jobId, reply, chatId, group);
            throw error;
          })),
    );
    // Kept only of a list a press puts something in place of (a /queue list), not of every long answer (/help). Its
    // later parts' turn begins at once: `placed` hears of the message after it, so that turns on it begun later
    // (a Refresh) are known as later (source-replacement.ts `showWhenKnown`).
    if (!jobId) {
      const later = this.sendLater(target, putInPlaceLater(first) ? sent?.message_id : undefined, rest);
      if (sent) placed?.(sent.message_id);
      return later;
    }
    if (sent) placed?.(sent.message_id);
    // Unconfirmed (`openUnseen`): the job goes on without a status message. Its reply's further lines still go: they
    // are this answer's, and its ending, sent anew, does not repeat them.
    if (sent)
      this.jobMessages.open(jobId, reply, chatId, group, {
        chatId,
        messageId: sent.message_id,
        replyTo: replyTo ?? sent.message_id,
        ...(replyTo !== undefined && requester !== undefined ? { requester } : {}),
        locale: c.locale,
        group,
        // Groups share one flood limit (20 messages a minute): previews there only for those who ask.
        previews: c.settings.previews ?? !group,
        text,
        ...(threadId === undefined ? {} : { threadId }),
      });
    // The job runs whatever becomes of its reply's further lines (an undelivered notice stays for the next reply).
    await sendFurther(this.api, target, rest).catch(() => undefined);
  }

  /**
   * A text answer's further parts, kept under its first message: a list put in its place edits them. Sent in the
   * list's turn (in-place-turns.ts): a press on the first message meanwhile (possible where the answer is outside its
   * chat's order, as an album's caption is) waits for them, then edits them, and they stop at the one under way once
   * its first part shows; one waiting out flood control then stops waiting (its 429 sent nothing). Else the press
   * would find none and send its own, then these would be kept as the list's in their stead, both shown for good.
   * Taking the turn waits for nothing (it is taken before this returns): the update is held no longer than before.
   */
  private sendLater(target: SendTarget, firstId: number | undefined, rest: readonly Reply[]) {
    if (firstId === undefined || rest.length === 0) return sendFurther(this.api, target, rest);
    const turn = takeTurn(this.laterParts, placeKey(target.chatId, firstId), { partsOnly: true });
    const ids: number[] = [];
    const kept = {
      ...target,
      onMessage: (id: number) => ids.push(id),
      stopped: turn.stopped,
      signal: turn.signal,
    };
    return sendFurther(this.api, kept, rest)
      .catch((error: unknown) => {
        // Stopped by the press that took the list over: what was not sent is its to show.
        if (!turn.stopped()) throw error;
      })
      .finally(() => {
        this.laterParts.remember(target.chatId, firstId, ids);
        turn.done();
      });
  }

  /** The next handed-over status message a text can go to: a photo (a preview made it one) cannot become text. */
  private async takeInherited(ctx: Context): Promise<HandedOver | undefined> {
    const handed = await this.inheritedOf(ctx);
    const at = handed?.findIndex((h) => !h.place.photo) ?? -1;
    return at >= 0 ? handed?.splice(at, 1)[0] : undefined;
  }

  /**
   * Shows `text` on a handed-over status message; undefined when Telegram refuses (deleted meanwhile, flood
   * control): the answer is sent anew, and the old message ends as its job did.
   */
  private async takeOver(
    handed: HandedOver,
    text: string,
    markup: ReturnType<typeof keyboard>,
  ): Promise<{ message_id: number } | undefined> {
    const { chatId, messageId } = handed.place;
    // Without a keyboard the edit removes the replaced job's Cancel button, as an answer without buttons should.
    const edit = this.api.editMessageText(chatId, messageId, text, markup ? { reply_markup: markup } : {});
    return edit.then(
      () => ({ message_id: messageId }),
      (error: unknown) => {
        if (notModified(error)) return { message_id: messageId };
        void handed.end();
        return undefined;
      },
    );
  }
}

/**
 * The jobs whose result a reply of images shows, outside their endings: a finished job's own reply (a grid's pick is
 * a result with no status message), and the jobs whose file it carries (Original file, a /queue line's button).
 */
function resultsCarried(reply: Reply): string[] {
  const finished = reply.final === true && !reply.startsJob && reply.jobId !== undefined ? [reply.jobId] : [];
  return [...new Set([...finished, ...(reply.delivers ?? [])])];
}
