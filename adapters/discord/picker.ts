// When a message holds several images, the user picks one from a string select before the action runs. The
// select's custom id says what to do and where the images are, so a pick works after a restart too.
import {
  ActionRowBuilder,
  type Attachment,
  type Message,
  type MessageCreateOptions,
  StringSelectMenuBuilder,
} from 'discord.js';
import { shortText } from '../../commands/index.js';
import { type Locale, t } from '../../src/i18n.js';
import { isImageAttachment } from './attachments.js';

/** The message menus' actions, and `mention`: a reply that mentions the bot (the id is the mentioning message). */
export const PICK_ACTIONS = ['describe', 'edit', 'retouch', 'mention'] as const;
export type PickAction = (typeof PICK_ACTIONS)[number];

/** Discord's limit of options in one select. */
export const MAX_PICK_OPTIONS = 25;

const PICK_ID = new RegExp(`^pick:(${PICK_ACTIONS.join('|')}):(\\d{15,21})$`);

export function pickerId(action: PickAction, messageId: string): string {
  return `pick:${action}:${messageId}`;
}

export function parsePickerId(id: string): { action: PickAction; messageId: string } | undefined {
  const match = PICK_ID.exec(id);
  if (!match) return undefined;
  return { action: match[1] as PickAction, messageId: match[2] as string };
}

/** A message's image attachments in the order Discord shows them. */
export function imagesOf(message: Pick<Message, 'attachments'> | undefined): Attachment[] {
  return message ? [...message.attachments.values()].filter((a) => isImageAttachment(a)) : [];
}

/** "#2 · cat.png", within Discord's 100-character option label. */
export function optionLabel(index: number, attachment: Pick<Attachment, 'name'>): string {
  return shortText(`#${index + 1} · ${attachment.name ?? 'image'}`, 100);
}

/** The question and the select: one option per image (the first 25), valued by its index. */
export function pickerMessage(
  images: readonly Attachment[],
  action: PickAction,
  messageId: string,
  locale: Locale,
): Required<Pick<MessageCreateOptions, 'content' | 'components'>> {
  const options = images.slice(0, MAX_PICK_OPTIONS).map((image, index) => ({
    label: optionLabel(index, image),
    value: String(index),
  }));
  const select = new StringSelectMenuBuilder()
    .setCustomId(pickerId(action, messageId))
    .setPlaceholder(shortText(t(locale, 'discord.pick_placeholder'), 150))
    .setMinValues(1)
    .setMaxValues(1)
    .addOptions(options);
  return {
    content: t(locale, 'discord.pick_image', { count: images.length }),
    components: [new ActionRowBuilder<StringSelectMenuBuilder>().addComponents(select)],
  };
}
