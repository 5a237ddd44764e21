// The modals the bot asks with: an edit instruction (the Edit button, the "Edit image…" menu), a retouch's
// prompt and boxes (the "Retouch…" menu), and a line filled in to be changed (Remix's /imagine line, Custom zoom's,
// Vary (Region)'s /retouch line).
import { ActionRowBuilder, ModalBuilder, TextInputBuilder, TextInputStyle } from 'discord.js';
import { type AskKind, shortText } from '../../commands/index.js';
import { type Locale, t } from '../../src/i18n.js';

/** The modal custom-id prefix of each question answered with a line (the job id follows a colon). */
export const LINE_MODALS: Partial<Record<AskKind, string>> = {
  imagine_line: 'remixmodal',
  zoom_line: 'zoommodal',
  region_line: 'regionmodal',
};

/** The question a line modal answered, from its custom-id prefix. */
export function lineAskOf(prefix: string | undefined): AskKind | undefined {
  return (Object.keys(LINE_MODALS) as AskKind[]).find((kind) => LINE_MODALS[kind] === prefix);
}

/** Discord's longest modal title and input label. */
const TITLE_LIMIT = 45;
/** Discord's longest text input value (and so its highest max_length). */
const VALUE_LIMIT = 4000;

interface Field {
  id: string;
  labelKey: string;
  style: TextInputStyle;
  maxLength: number;
  placeholder?: string;
  /** Text already in the field. */
  value?: string;
}

function modal(customId: string, titleKey: string, locale: Locale, fields: readonly Field[]): ModalBuilder {
  return new ModalBuilder()
    .setCustomId(customId)
    .setTitle(shortText(t(locale, titleKey), TITLE_LIMIT))
    .addComponents(
      fields.map((field) => {
        // Discord refuses a value longer than its field's max_length. Cut to fit, a line to change would lose its
        // last flags unseen and run changed: it is offered whole (the command judges its length when it comes
        // back), cut only past what any field may hold.
        const value = field.value ? cutWhole(field.value, VALUE_LIMIT) : undefined;
        const input = new TextInputBuilder()
          .setCustomId(field.id)
          .setLabel(shortText(t(locale, field.labelKey), TITLE_LIMIT))
          .setStyle(field.style)
          .setRequired(true)
          .setMaxLength(value && value.length > field.maxLength ? VALUE_LIMIT : field.maxLength);
        if (field.placeholder) input.setPlaceholder(field.placeholder);
        if (value) input.setValue(value);
        return new ActionRowBuilder<TextInputBuilder>().addComponents(input);
      }),
    );
}

/** `text` within `max` UTF-16 units, cut between whole characters and without a mark: it is text to edit. */
function cutWhole(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = '';
  for (const char of text) {
    if (out.length + char.length > max) break;
    out += char;
  }
  return out;
}

export function editModal(customId: string, locale: Locale): ModalBuilder {
  return modal(customId, 'discord.edit_modal.title', locale, [
    {
      id: 'instruction',
      labelKey: 'discord.edit_modal.label',
      style: TextInputStyle.Paragraph,
      maxLength: 1000,
    },
  ]);
}

export function retouchModal(customId: string, locale: Locale): ModalBuilder {
  return modal(customId, 'discord.retouch_modal.title', locale, [
    {
      id: 'prompt',
      labelKey: 'discord.retouch_modal.prompt',
      style: TextInputStyle.Paragraph,
      maxLength: 1000,
    },
    {
      id: 'boxes',
      labelKey: 'discord.retouch_modal.boxes',
      style: TextInputStyle.Short,
      maxLength: 200,
      placeholder: 'center, top-left, 0.25,0.25,0.5,0.5',
    },
  ]);
}

/**
 * A line to change and run (the answer goes to `answerAsk`): Remix's whole /imagine line, or Custom zoom's prompt
 * and `--zoom`; the title and label are the ask's.
 */
export function lineModal(
  customId: string,
  locale: Locale,
  ask: { titleKey: string; labelKey: string },
  line: string,
): ModalBuilder {
  return modal(customId, ask.titleKey, locale, [
    {
      id: 'line',
      labelKey: ask.labelKey,
      style: TextInputStyle.Paragraph,
      // A prompt at its limit plus its flags and a negative prompt.
      maxLength: 2400,
      value: line,
    },
  ]);
}
