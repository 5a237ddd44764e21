// A press on one of our inline buttons: the commands say what it does, and the answer is shown its Telegram way (an
// alert for the presser alone, the message's buttons or the whole message replaced, the result deleted, a question
// asked by replying to the bot, or a message of its own).
import type { Context } from 'grammy';
import type { CommandContext, Commands, Reply } from '../../commands/index.js';
import type { Logger } from '../../src/log.js';
import { partSent } from '../shared/delivered.js';
import type { DoublePresses } from '../shared/double-press.js';
import { isNotice, tellPresser } from './button-answers.js';
import type { TelegramJobMessages } from './job-messages.js';
import { notModified } from './not-modified.js';
import type { TelegramQuestions } from './questions.js';
import { keyboard, replyText } from './render.js';
import type { TelegramReplies } from './replies.js';
import { deleteResult } from './result-deletion.js';
import { topicOf } from './send.js';
import { replaceSource } from './source-replacement.js';

export interface PressDeps {
  commands: Pick<Commands, 'pressButton' | 'delivered'>;
  presses: Pick<DoublePresses, 'repeated'>;
  questions: Pick<TelegramQuestions, 'ask'>;
  replies: Pick<TelegramReplies, 'send' | 'laterParts'>;
  /** The messages that show each job's result: Delete removes them all. */
  endings: Pick<TelegramJobMessages, 'endingOf'>;
  context: (ctx: Context) => CommandContext;
  /** What is said instead of the commands' answer, if anything (a press the next start handles: bot.ts). */
  instead?: (ctx: Context, reply: Reply) => Reply | undefined;
  log: Pick<Logger, 'warn'>;
}

export async function onButton(deps: PressDeps, ctx: Context): Promise<void> {
  const data = ctx.callbackQuery?.data ?? '';
  const c = deps.context(ctx);
  const pressed = String(ctx.callbackQuery?.message?.message_id ?? ctx.callbackQuery?.inline_message_id);
  // A double tap on a button that starts a job starts one job.
  if (deps.presses.repeated(c.user.userId, pressed, data))
    return void (await ctx.answerCallbackQuery().catch(() => undefined));
  const answer = await deps.commands.pressButton(c, data);
  const reply = deps.instead?.(ctx, answer) ?? answer;
  if (reply.replaceSource) return replaceSource(deps, ctx, c, reply);
  if (isNotice(reply, reply.locale ?? c.locale)) {
    const text = replyText(reply, reply.locale ?? c.locale);
    // Its lines count as sent only when shown whole: an alert cut short lost its end (an undelivered notice).
    if ((await tellPresser(ctx, text)) === text) partSent(deps.commands, c)(reply);
    return;
  }
  await ctx.answerCallbackQuery().catch(() => undefined);
  if (reply.deleteSource) {
    await deleteResult(ctx, reply.jobId === undefined ? [] : deps.endings.endingOf(reply.jobId));
    return;
  }
  if (reply.replaceButtons) {
    await ctx
      .editMessageReplyMarkup({
        reply_markup: keyboard(reply, reply.locale ?? c.locale) ?? { inline_keyboard: [] },
      })
      .catch((error: unknown) => {
        // Pressed twice before the first edit landed, the markup is already this one: no failure. Any other
        // refusal (a deleted message, an edit Telegram will not make) is the guard's: logged, and said once.
        if (notModified(error)) return;
        throw error;
      });
    return;
  }
  if (reply.ask) {
    const chatId = ctx.chat?.id;
    if (chatId !== undefined && ctx.from) {
      const asker = { user: ctx.from, id: c.user.userId };
      const target = { chatId, threadId: topicOf(ctx.msg), pressed: ctx.msg, asker };
      await deps.questions.ask({ ...target, group: ctx.chat?.type !== 'private' }, c.locale, reply.ask);
    }
    return;
  }
  await deps.replies.send(ctx, c, reply);
}
