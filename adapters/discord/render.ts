// A platform-neutral Reply as a Discord message: translated content (≤ 2000 chars), PNG files, button rows, and
// the ETA as a relative timestamp the client counts down by itself.
import {
  ActionRowBuilder,
  AttachmentBuilder,
  ButtonBuilder,
  ButtonStyle,
  type InteractionEditReplyOptions,
} from 'discord.js';
import type { Reply } from '../../commands/index.js';
import { type Locale, t } from '../../src/i18n.js';

const STYLE = {
  primary: ButtonStyle.Primary,
  secondary: ButtonStyle.Secondary,
  danger: ButtonStyle.Danger,
} as const;

export function toDiscordMessage(
  reply: Reply,
  locale: Locale,
): InteractionEditReplyOptions & { content: string } {
  const lines = reply.text.map((line) => t(locale, line.key, line.params ?? {}));
  if (reply.etaAt !== undefined && !reply.final) lines.push(`⏱ <t:${Math.ceil(reply.etaAt / 1000)}:R>`);
  let content = lines.join('\n');
  if (content.length > 2000) content = `${content.slice(0, 1999)}…`;
  const files = (reply.images ?? []).map((image) =>
    new AttachmentBuilder(Buffer.from(image.data), { name: image.filename }).setDescription(
      (image.alt ?? image.filename).slice(0, 1000),
    ),
  );
  const components = (reply.buttons ?? [])
    .slice(0, 5)
    .map((row) =>
      new ActionRowBuilder<ButtonBuilder>().addComponents(
        row
          .slice(0, 5)
          .map((b) =>
            new ButtonBuilder()
              .setCustomId(b.id)
              .setLabel(t(locale, b.labelKey).slice(0, 80))
              .setStyle(STYLE[b.style]),
          ),
      ),
    );
  return { content, files, components, attachments: [] };
}

/** A stable signature of what a reply shows, to skip edits that would change nothing. */
export function signature(reply: Reply, locale: Locale): string {
  const m = toDiscordMessage(reply, locale);
  return JSON.stringify([
    m.content,
    (reply.images ?? []).map((i) => i.data.byteLength),
    reply.buttons?.flat().map((b) => b.id),
  ]);
}
