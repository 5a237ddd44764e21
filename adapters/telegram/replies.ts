// Answers to an update: a reply and the ones that come with it (a permutation's further jobs), each a message of its
// own, images with their keyboard or else text. The reply that starts a job becomes its status message, answering
// the user's message (a job from a button: see button-jobs.ts).
import type { Api, Context } from 'grammy';
import type { CommandContext, Reply } from '../../commands/index.js';
import { anchorOfPress, type JobAnchor, mentionOf } from './button-jobs.js';
import type { TelegramJobMessages } from './job-messages.js';
import { keyboard, replyText } from './render.js';
import { inTopic, sendImages, topicOf } from './send.js';

const TEXT_LIMIT = 4096;

export class TelegramReplies {
  constructor(
    private readonly api: Api,
    private readonly jobMessages: TelegramJobMessages,
  ) {}

  /** Sends every message of `reply`: one that Telegram refuses does not keep the others back. */
  async send(ctx: Context, c: CommandContext, reply: Reply): Promise<void> {
    const failures: unknown[] = [];
    for (const one of [reply, ...(reply.more ?? [])]) {
      await this.sendOne(ctx, c, one).catch((error: unknown) => failures.push(error));
    }
    if (failures.length > 0) throw failures[0];
  }

  /** Where the messages answering this update reply to: the user's message, or for a press the pressed one. */
  private anchorOf(ctx: Context, startsJob: boolean): JobAnchor {
    if (ctx.message) return { replyTo: ctx.message.message_id, requester: ctx.from?.id };
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

  private async sendOne(ctx: Context, c: CommandContext, reply: Reply): Promise<void> {
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
    this.jobMessages.note(chatId, group);
    if (reply.images && reply.images.length > 0) {
      await sendImages(this.api, { chatId, locale: c.locale, parameters, threadId }, reply);
      return;
    }
    const { prefix, entities } = mentionOf(mention);
    const text = prefix + replyText(reply, c.locale, TEXT_LIMIT - prefix.length);
    const sent = await this.api
      .sendMessage(chatId, text, {
        ...parameters,
        ...(entities ? { entities } : {}),
        ...inTopic(threadId),
        reply_markup: keyboard(reply, c.locale),
      })
      .catch((error: unknown) => {
        if (jobId) this.jobMessages.open(jobId, reply, chatId, group);
        throw error;
      });
    if (!jobId) return;
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
  }
}
