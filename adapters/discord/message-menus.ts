// Message context menus ("Describe image", "Edit image…", "Retouch…"), the picker shown when a message holds
// several images, and the modals they open: each ends in a command run on the chosen image.
import {
  type Attachment,
  type MessageContextMenuCommandInteraction,
  MessageFlags,
  type ModalSubmitInteraction,
  type StringSelectMenuInteraction,
} from 'discord.js';
import { type CommandContext, type Reply, textReply } from '../../commands/index.js';
import { t } from '../../src/i18n.js';
import { acknowledge } from './acknowledgement.js';
import { answer, answerAfterUpdate } from './answer.js';
import { MENUS, type MenuId } from './command-json.js';
import { mentionSource } from './mentions.js';
import { editModal, lineAskOf, lineOf, retouchModal } from './modals.js';
import { imagesOf, type PickAction, parsePickerId, pickerMessage } from './picker.js';
import type { DiscordRuntime } from './runtime.js';

type MenuAction = Exclude<PickAction, 'mention'>;

const MENU_ACTIONS: Record<MenuId, MenuAction> = {
  describe_image: 'describe',
  edit_image: 'edit',
  retouch_image: 'retouch',
};

/** Modals opened from a message menu (`menuedit:` / `menuretouch:` + message id + image index) or a button. */
export async function onModal(
  rt: DiscordRuntime,
  i: ModalSubmitInteraction,
  ctx: CommandContext,
): Promise<void> {
  const [kind, id, index] = i.customId.split(':');
  const c = rt.commands;
  const work = async (): Promise<Reply> => {
    if (kind === 'editmodal' && id) return c.editResult(ctx, id, i.fields.getTextInputValue('instruction'));
    const lineAsk = lineAskOf(kind);
    if (lineAsk && id) return c.answerAsk(ctx, lineAsk, id, lineOf(i.fields));
    if ((kind === 'menuedit' || kind === 'menuretouch') && id) {
      // Asked before the image is downloaded: nothing of a blocked user's is fetched.
      const refusal = c.refusal(ctx);
      if (refusal) return refusal;
      const image = await rt.image((await menuImages(rt, i.channelId, id))[Number(index ?? 0)]);
      if (!image) return textReply('errors.discord.no_image');
      if (kind === 'menuedit')
        return c.run(ctx, {
          name: 'edit',
          options: { instruction: i.fields.getTextInputValue('instruction') },
          images: { image },
        });
      return c.run(ctx, {
        name: 'retouch',
        options: {
          prompt: i.fields.getTextInputValue('prompt'),
          boxes: i.fields.getTextInputValue('boxes'),
        },
        images: { image },
      });
    }
    return c.run(ctx, { name: 'help' });
  };
  await answer(rt, i, ctx, work, ctx.settings.private === true);
}

/** "Describe image", "Edit image…", "Retouch…": at once with one image, after a pick with several. */
export async function onMenu(
  rt: DiscordRuntime,
  i: MessageContextMenuCommandInteraction,
  ctx: CommandContext,
): Promise<void> {
  const menu = MENUS.find((id) => t('en', `menu.${id}.name`) === i.commandName);
  const action = menu ? MENU_ACTIONS[menu] : 'describe';
  const target = i.targetMessage;
  // Remembered for the modal or pick that follows by every front-end's listener (bot.ts), claim or not.
  const images = imagesOf(target);
  if (images.length > 1) {
    await i.reply({
      ...pickerMessage(images, action, target.id, ctx.locale),
      flags: MessageFlags.Ephemeral,
    });
    return;
  }
  await runMenuAction(rt, i, ctx, action, target.id, images, 0);
}

/**
 * The images of the message a menu was used on: those its interaction brought, else the message as Discord shows
 * it to the bot now (which, for another member's message in a server, has none without Message Content).
 */
async function menuImages(
  rt: DiscordRuntime,
  channelId: string | null,
  messageId: string,
): Promise<Attachment[]> {
  return rt.menuTargets.imagesOf(messageId) ?? imagesOf(await rt.fetchMessage(channelId, messageId));
}

export async function runMenuAction(
  rt: DiscordRuntime,
  i: MessageContextMenuCommandInteraction | StringSelectMenuInteraction,
  ctx: CommandContext,
  action: MenuAction,
  messageId: string,
  images: readonly Attachment[],
  index: number,
): Promise<void> {
  const attachment = images[index];
  if (attachment && action !== 'describe') {
    const modal =
      action === 'edit'
        ? editModal(`menuedit:${messageId}:${index}`, ctx.locale)
        : retouchModal(`menuretouch:${messageId}:${index}`, ctx.locale);
    await i.showModal(modal);
    return;
  }
  const work = async (): Promise<Reply> => {
    const refusal = rt.commands.refusal(ctx);
    if (refusal) return refusal;
    const image = await rt.image(attachment);
    return image
      ? rt.commands.run(ctx, { name: 'describe', images: { image } })
      : textReply('errors.discord.no_image');
  };
  await answer(rt, i, ctx, work, ctx.settings.private === true);
}

/** A pick from a picker: the value is the image's index in the message it names. */
export async function onPick(
  rt: DiscordRuntime,
  i: StringSelectMenuInteraction,
  ctx: CommandContext,
): Promise<void> {
  const parsed = parsePickerId(i.customId);
  const index = Number(i.values[0]);
  if (!parsed || !Number.isInteger(index)) {
    await i.reply({ content: t(ctx.locale, 'errors.button.unknown'), flags: MessageFlags.Ephemeral });
    return;
  }
  if (parsed.action !== 'mention') {
    const images = await menuImages(rt, i.channelId, parsed.messageId);
    return runMenuAction(rt, i, ctx, parsed.action, parsed.messageId, images, index);
  }
  // The picker replies to the mention, so the pick's message names who asked without a fetch. Otherwise the
  // mention, which names the bot and so reaches it whole, is fetched again.
  const asker = i.message.reference?.messageId === parsed.messageId ? i.message.mentions.repliedUser : null;
  const fetched = asker ? undefined : await rt.fetchMessage(i.channelId, parsed.messageId);
  const owner = asker?.id ?? fetched?.author?.id;
  if (owner === undefined) {
    await i.reply({ content: t(ctx.locale, 'errors.discord.no_image'), flags: MessageFlags.Ephemeral });
    return;
  }
  // The picker under a mention is public: only the person who mentioned the bot may answer it.
  if (owner !== i.user.id) {
    await i.reply({ content: t(ctx.locale, 'errors.button.owner_only'), flags: MessageFlags.Ephemeral });
    return;
  }
  // Acknowledged before anything slow (Discord's 3 s count from the pick), and the select goes in the same call,
  // so a second click cannot start a second job.
  await acknowledge(i, 'replied', () => i.update({ components: [] }));
  const work = async (): Promise<Reply> => {
    const refusal = rt.commands.refusal(ctx);
    if (refusal) return refusal;
    const message = fetched ?? (await rt.fetchMessage(i.channelId, parsed.messageId));
    if (!message) return textReply('errors.discord.no_image');
    const { images, text, replied } = await mentionSource(rt, message);
    const image = await rt.image(images[index]);
    return image
      ? rt.commands.replyToImage(ctx, { image, text, replied })
      : textReply('errors.discord.no_image');
  };
  await answerAfterUpdate(rt, i, ctx, work, ctx.settings.private === true);
}
