// The modals the bot asks with: an edit instruction (the Edit button, the "Edit image…" menu) and a retouch's
// prompt and boxes (the "Retouch…" menu).
import { ActionRowBuilder, ModalBuilder, TextInputBuilder, TextInputStyle } from 'discord.js';
import { type Locale, t } from '../../src/i18n.js';

export function editModal(customId: string, locale: Locale): ModalBuilder {
  return new ModalBuilder()
    .setCustomId(customId)
    .setTitle(t(locale, 'discord.edit_modal.title').slice(0, 45))
    .addComponents(
      new ActionRowBuilder<TextInputBuilder>().addComponents(
        new TextInputBuilder()
          .setCustomId('instruction')
          .setLabel(t(locale, 'discord.edit_modal.label').slice(0, 45))
          .setStyle(TextInputStyle.Paragraph)
          .setRequired(true)
          .setMaxLength(1000),
      ),
    );
}

export function retouchModal(customId: string, locale: Locale): ModalBuilder {
  return new ModalBuilder()
    .setCustomId(customId)
    .setTitle(t(locale, 'discord.retouch_modal.title').slice(0, 45))
    .addComponents(
      new ActionRowBuilder<TextInputBuilder>().addComponents(
        new TextInputBuilder()
          .setCustomId('prompt')
          .setLabel(t(locale, 'discord.retouch_modal.prompt').slice(0, 45))
          .setStyle(TextInputStyle.Paragraph)
          .setRequired(true)
          .setMaxLength(1000),
      ),
      new ActionRowBuilder<TextInputBuilder>().addComponents(
        new TextInputBuilder()
          .setCustomId('boxes')
          .setLabel(t(locale, 'discord.retouch_modal.boxes').slice(0, 45))
          .setStyle(TextInputStyle.Short)
          .setPlaceholder('0.25,0.25,0.5,0.5')
          .setRequired(true)
          .setMaxLength(200),
      ),
    );
}
