// The modals the bot asks with: an edit instruction (the Edit button, the "Edit image…" menu), a retouch's
// prompt and boxes (the "Retouch…" menu), and a line filled in to be changed (Remix's /imagine line, Custom zoom's,
// Vary (Region)'s /retouch line). A line longer than one field holds (4000) is offered in two, split where a flag
// begins, and read back joined: cut to fit one, it would run without its end, unseen.
import {
  ActionRowBuilder,
  ModalBuilder,
  type ModalSubmitFields,
  TextInputBuilder,
  TextInputStyle,
} from 'discord.js';
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
  /** False for a field that may be left empty (required by default). */
  required?: boolean;
}

function modal(customId: string, titleKey: string, locale: Locale, fields: readonly Field[]): ModalBuilder {
  return new ModalBuilder()
    .setCustomId(customId)
    .setTitle(shortText(t(locale, titleKey), TITLE_LIMIT))
    .addComponents(
      fields.map((field) => {
        // Discord refuses a value longer than its field's max_length: a value is offered whole, with room for it
        // (the command judges its length when it comes back). A line never comes here longer than a field holds.
        const { value } = field;
        const input = new TextInputBuilder()
          .setCustomId(field.id)
          .setLabel(shortText(t(locale, field.labelKey), TITLE_LIMIT))
          .setStyle(field.style)
          .setRequired(field.required ?? true)
          .setMaxLength(value && value.length > field.maxLength ? VALUE_LIMIT : field.maxLength);
        if (field.placeholder) input.setPlaceholder(field.placeholder);
        if (value) input.setValue(value);
        return new ActionRowBuilder<TextInputBuilder>().addComponents(input);
      }),
    );
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

/** The field holding a line's second half, when it needs two; read back after a space (`lineOf`). */
const REST_FIELD = 'line_rest';
/** The same, for a line with no space to split at: read back joined as it is. */
const CONTINUED_FIELD = 'line_continued';

/**
 * A line to change and run (the answer goes to `answerAsk`, read by `lineOf`): Remix's whole /imagine line, or
 * Custom zoom's prompt and `--zoom`; the title and label are the ask's. One longer than a field holds is offered
 * whole in two fields (`splitLine`), the second of which may be emptied.
 */
export function lineModal(
  customId: string,
  locale: Locale,
  ask: { titleKey: string; labelKey: string },
  line: string,
): ModalBuilder {
  const { head, rest, joined } = splitLine(line, VALUE_LIMIT);
  const field = { style: TextInputStyle.Paragraph, maxLength: VALUE_LIMIT };
  return modal(customId, ask.titleKey, locale, [
    // Room for a prompt at its limit plus its flags and a negative prompt; split, all a field may hold.
    {
      ...field,
      id: 'line',
      labelKey: ask.labelKey,
      value: head,
      maxLength: rest === undefined ? 2400 : VALUE_LIMIT,
    },
    ...(rest === undefined
      ? []
      : [
          {
            ...field,
            id: joined ? REST_FIELD : CONTINUED_FIELD,
            labelKey: 'discord.line_modal.rest',
            value: rest,
            required: false,
          },
        ]),
  ]);
}

/** The line a line modal was answered with: its one field, or its two joined as they were split. */
export function lineOf(fields: Pick<ModalSubmitFields, 'fields' | 'getTextInputValue'>): string {
  const head = fields.getTextInputValue('line');
  if (fields.fields.has(REST_FIELD)) return `${head} ${fields.getTextInputValue(REST_FIELD)}`.trim();
  if (fields.fields.has(CONTINUED_FIELD)) return head + fields.getTextInputValue(CONTINUED_FIELD);
  return head;
}

/**
 * `line` as the fields that offer it whole, each at most `max` UTF-16 units: itself when it fits one; else a head
 * and its rest, split at the space before the first flag that leaves both within `max` (the prompt above, its flags
 * below), else at the last such space (`joined`: read back with a space between), else between two characters. The
 * commands offer no line past MAX_LINE_CHARS (4500), which two fields always hold.
 */
export function splitLine(line: string, max: number): { head: string; rest?: string; joined: boolean } {
  if (line.length <= max) return { head: line, joined: false };
  const fits = (at: number) => at <= max && line.length - at - 1 <= max;
  const spaces = [...line.matchAll(/ /g)].map((match) => match.index);
  const at = spaces.find((i) => line.startsWith('--', i + 1) && fits(i)) ?? spaces.filter(fits).at(-1);
  if (at !== undefined) return { head: line.slice(0, at), rest: line.slice(at + 1), joined: true };
  // Never half a surrogate pair on either side.
  const cut = /[\ud800-\udbff]/.test(line[max - 1] ?? '') ? max - 1 : max;
  return { head: line.slice(0, cut), rest: line.slice(cut), joined: false };
}
