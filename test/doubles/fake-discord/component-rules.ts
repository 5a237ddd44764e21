// Discord's rules for a message's action rows (classic components, not IS_COMPONENTS_V2), each a small named check:
// developers/components/reference.mdx of discord-api-docs. Every refusal is the 400 50035 Discord answers.
import { ButtonStyle, ComponentType } from 'discord.js';
import type { RouteReply } from './errors.js';
import { badCount, badLength, firstOf, formError, required } from './form-error.js';
import type { JsonBody } from './store.js';

/** At most 5 action rows in a message. */
export const MAX_ROWS = 5;
/** At most 5 buttons in a row; a select fills its row alone. */
export const MAX_ROW_WIDTH = 5;
/** A custom_id is 1–100 characters. */
export const CUSTOM_ID_MAX = 100;
/** A button's label, at most 80 characters. */
export const BUTTON_LABEL_MAX = 80;
/** A select's options (1–25), each label, value and description at most 100; its placeholder at most 150. */
export const SELECT_OPTIONS_MAX = 25;
export const SELECT_TEXT_MAX = 100;
export const SELECT_PLACEHOLDER_MAX = 150;
/** A link button's url, at most 512 characters. */
export const BUTTON_URL_MAX = 512;

const SELECTS: ReadonlySet<number> = new Set([
  ComponentType.StringSelect,
  ComponentType.UserSelect,
  ComponentType.RoleSelect,
  ComponentType.MentionableSelect,
  ComponentType.ChannelSelect,
]);

/** A custom_id: present, and 1–100 characters. */
export function invalidCustomId(value: unknown, path: string): RouteReply | undefined {
  if (typeof value !== 'string') return required(path);
  return badLength(value, path, CUSTOM_ID_MAX, 1);
}

/**
 * A button: a link button has a url (at most 512) and no custom_id; a premium one a sku_id; any other a custom_id
 * of 1–100. A label of at most 80, and a label or an emoji on every button but a premium one.
 */
export function invalidButton(button: JsonBody, path: string): RouteReply | undefined {
  const style = Number(button?.style);
  if (!Number.isInteger(style) || style < ButtonStyle.Primary || style > ButtonStyle.Premium)
    return formError(`${path}.style`, 'BASE_TYPE_CHOICES', `Value must be one of (1, 2, 3, 4, 5, 6).`);
  return firstOf([
    () => badLength(button.label, `${path}.label`, BUTTON_LABEL_MAX),
    () => {
      if (style === ButtonStyle.Link) {
        if (typeof button.url !== 'string' || button.url === '') return required(`${path}.url`);
        if (button.custom_id !== undefined)
          return formError(
            `${path}.custom_id`,
            'BUTTON_COMPONENT_CUSTOM_ID_INVALID',
            'A link button has no custom id',
          );
        return badLength(button.url, `${path}.url`, BUTTON_URL_MAX);
      }
      if (style === ButtonStyle.Premium)
        return button.sku_id === undefined ? required(`${path}.sku_id`) : undefined;
      return invalidCustomId(button.custom_id, `${path}.custom_id`);
    },
    () =>
      style !== ButtonStyle.Premium && !button.label && !button.emoji
        ? formError(
            `${path}.label`,
            'BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED',
            'A button needs a label or an emoji',
          )
        : undefined,
  ]);
}

/**
 * A select: a custom_id of 1–100, a placeholder of at most 150, min_values 0–25 and max_values 1–25 (min ≤ max);
 * a string select 1–25 options, each with a label and a value of at most 100 and a description of at most 100,
 * and no more values to pick than it has options.
 */
export function invalidSelect(select: JsonBody, path: string): RouteReply | undefined {
  const options: unknown = select?.options;
  const isString = select?.type === ComponentType.StringSelect;
  const min = select?.min_values ?? 1;
  const max = select?.max_values ?? 1;
  return firstOf([
    () => invalidCustomId(select?.custom_id, `${path}.custom_id`),
    () => badLength(select?.placeholder, `${path}.placeholder`, SELECT_PLACEHOLDER_MAX),
    () =>
      isString && !Array.isArray(options)
        ? required(`${path}.options`)
        : badCount(options, `${path}.options`, SELECT_OPTIONS_MAX, isString ? 1 : 0),
    () =>
      min < 0 || min > SELECT_OPTIONS_MAX
        ? formError(`${path}.min_values`, 'NUMBER_TYPE_MAX', 'Must be between 0 and 25.')
        : undefined,
    () =>
      max < 1 || max > SELECT_OPTIONS_MAX || max < min
        ? formError(
            `${path}.max_values`,
            'NUMBER_TYPE_MAX',
            'Must be between 1 and 25, and no fewer than min_values.',
          )
        : undefined,
    () =>
      isString && Array.isArray(options) && max > options.length
        ? formError(`${path}.max_values`, 'SELECT_COMPONENT_MAX_VALUES_TOO_HIGH', 'More values than options.')
        : undefined,
    ...(Array.isArray(options) ? options : []).map(
      (option: JsonBody, index) => () => invalidSelectOption(option, `${path}.options.${index}`),
    ),
  ]);
}

/** One option of a string select: label and value required, each at most 100, a description of at most 100. */
export function invalidSelectOption(option: JsonBody, path: string): RouteReply | undefined {
  return firstOf([
    () => (typeof option?.label === 'string' ? undefined : required(`${path}.label`)),
    () => (typeof option?.value === 'string' ? undefined : required(`${path}.value`)),
    () => badLength(option.label, `${path}.label`, SELECT_TEXT_MAX, 1),
    () => badLength(option.value, `${path}.value`, SELECT_TEXT_MAX, 1),
    () => badLength(option.description, `${path}.description`, SELECT_TEXT_MAX),
  ]);
}

/**
 * One action row: 1–5 buttons, or one select alone (it takes the whole width), nothing else.
 */
export function invalidActionRow(row: JsonBody, path: string): RouteReply | undefined {
  if (row?.type !== ComponentType.ActionRow)
    return formError(
      `${path}.type`,
      'COMPONENT_TYPE_INVALID',
      'A message holds action rows at its top level.',
    );
  const children: unknown = row.components;
  if (!Array.isArray(children)) return required(`${path}.components`);
  const count = badCount(children, `${path}.components`, MAX_ROW_WIDTH, 1);
  if (count) return count;
  const selects = children.filter((child: JsonBody) => SELECTS.has(child?.type));
  if (selects.length > 0 && children.length > 1)
    return formError(
      `${path}.components`,
      'COMPONENT_LAYOUT_WIDTH_EXCEEDED',
      'The specified component exceeds the maximum width',
    );
  return firstOf(
    children.map((child: JsonBody, index) => () => {
      const at = `${path}.components.${index}`;
      if (child?.type === ComponentType.Button) return invalidButton(child, at);
      if (SELECTS.has(child?.type)) return invalidSelect(child, at);
      return formError(
        `${at}.type`,
        'COMPONENT_TYPE_INVALID',
        'An action row in a message holds buttons or a select.',
      );
    }),
  );
}

/** No two interactive components of one message share a custom_id. */
export function duplicatedCustomId(rows: readonly JsonBody[]): RouteReply | undefined {
  const seen = new Set<string>();
  for (const [rowIndex, row] of rows.entries()) {
    const children: JsonBody[] = Array.isArray(row?.components) ? row.components : [];
    for (const [index, child] of children.entries()) {
      if (typeof child?.custom_id !== 'string') continue;
      if (seen.has(child.custom_id))
        return formError(
          `components.${rowIndex}.components.${index}.custom_id`,
          'COMPONENT_CUSTOM_ID_DUPLICATED',
          'Component custom id cannot be duplicated',
        );
      seen.add(child.custom_id);
    }
  }
  return undefined;
}

/** A message's classic components: at most 5 action rows, each valid, custom_ids unique across the message. */
export function invalidMessageComponents(components: unknown): RouteReply | undefined {
  if (components === undefined || components === null) return undefined;
  if (!Array.isArray(components)) return formError('components', 'BASE_TYPE_ARRAY', 'Must be an array.');
  return firstOf([
    () => badCount(components, 'components', MAX_ROWS),
    ...components.map((row: JsonBody, index) => () => invalidActionRow(row, `components.${index}`)),
    () => duplicatedCustomId(components),
  ]);
}
