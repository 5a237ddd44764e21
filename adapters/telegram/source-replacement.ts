// A press answered in place of the message it was on (`Reply.replaceSource`: a /queue list after its Cancel n): the
// pressed message is edited to the reply's text and keyboard, and the presser's spinner answered with a toast of its
// first line (what the press did). A message Telegram will not edit (deleted, too old, a photo's caption) is not
// replaced by a new one in a group, where everyone would see a list nobody there asked for: there the presser is told
// the first line alone. In a private chat the reply comes as a new message, as any answer would.
import type { Context } from 'grammy';
import type { CommandContext, Reply } from '../../commands/index.js';
import { partSent } from '../shared/delivered.js';
import { alertText, tellPresser } from './button-answers.js';
import type { PressDeps } from './button-presses.js';
import { notModified } from './not-modified.js';
import { keyboard, replyText, textParts } from './render.js';

export async function replaceSource(
  deps: PressDeps,
  ctx: Context,
  c: CommandContext,
  reply: Reply,
): Promise<void> {
  const locale = reply.locale ?? c.locale;
  const group = ctx.chat?.type !== 'private';
  const said = replyText({ text: reply.text.slice(0, 1) }, locale);
  // A list longer than one message: its first part takes the pressed message's place, the rest follow as messages
  // of their own, only where the presser alone sees them (in a group they wait for the next /queue).
  const [first, ...rest] = textParts(reply, locale);
  const markup = keyboard(first, locale) ?? { inline_keyboard: [] };
  const edited = await ctx.editMessageText(replyText(first, locale), { reply_markup: markup }).then(
    () => true,
    // Pressed twice before the first edit landed: the message already shows this list.
    (error: unknown) => notModified(error),
  );
  if (!edited) {
    if (group) return void (await tellPresser(ctx, said));
    await ctx.answerCallbackQuery().catch(() => undefined);
    return deps.replies.send(ctx, c, { ...reply, replaceSource: undefined });
  }
  partSent(deps.commands, c)(first);
  await ctx.answerCallbackQuery({ text: alertText(said) }).catch(() => undefined);
  if (reply.nextInPlace) showWhenKnown(deps, ctx, c, reply.nextInPlace);
  if (!group) for (const part of rest) await deps.replies.send(ctx, c, part);
}

/**
 * The pressed message's next state once it is known (`Reply.nextInPlace`: the list once the cancelled job has
 * stopped), edited in without a toast (the press was answered); not awaited, so the chat's next update is not held.
 */
function showWhenKnown(
  deps: PressDeps,
  ctx: Context,
  c: CommandContext,
  next: Promise<Reply | undefined>,
): void {
  void next
    .then(async (reply) => {
      if (!reply) return;
      const locale = reply.locale ?? c.locale;
      const [first] = textParts(reply, locale);
      const markup = keyboard(first, locale) ?? { inline_keyboard: [] };
      await ctx.editMessageText(replyText(first, locale), { reply_markup: markup });
      partSent(deps.commands, c)(first);
    })
    .catch((error: unknown) => {
      // The list it would replace stays (deleted meanwhile, or already showing this): it still offers Refresh.
      if (!notModified(error)) deps.log.warn({ err: error }, 'a /queue list could not be put in place');
    });
}
