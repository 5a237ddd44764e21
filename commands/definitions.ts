// One declarative table of the bot's commands and their options. Everything platform-shaped is derived from it:
// Discord's application-command JSON (with name and description localizations from `locales/`), Telegram's
// `setMyCommands` lists per language, and the help text. Spec fields hold locale keys, never display text.
import {
  allCatalogs,
  type Catalog,
  catalog,
  type Locale,
  PLATFORM_TAGS,
  SUPPORTED_LOCALES,
} from '../src/i18n.js';
import { LIMITS, MAX_PROMPT_CHARS, SIZE_CLASSES } from './prompt.js';

export type OptionType = 'string' | 'integer' | 'number' | 'boolean' | 'attachment';

export interface OptionChoice {
  value: string | number;
  /** Locale key of the choice's label; absent = the value itself is the label (`16:9`, `1.5`). */
  labelKey?: string;
}

export interface OptionSpec {
  name: string;
  type: OptionType;
  required?: boolean;
  choices?: readonly OptionChoice[];
  min?: number;
  max?: number;
  maxLength?: number;
}

export interface CommandSpec {
  /** Also the Telegram command and the `command.<name>.*` locale prefix. */
  name: string;
  options: readonly OptionSpec[];
  /** Platforms that show it; absent = all. */
  platforms?: ReadonlyArray<'discord' | 'telegram' | 'web'>;
  /** Another command this one runs (Telegram's /start is /help). */
  aliasOf?: string;
  /** Extra Telegram command names for the same command (`/draw` for `/imagine`). */
  telegramAliases?: readonly string[];
}

/** Discord message context menus ("Apps → Describe image"); `menu.<id>.name` holds their localized names. */
export interface MenuSpec {
  id: 'describe_image' | 'edit_image' | 'retouch_image';
}

export const EDIT_TYPE_CHOICES = [
  'edit_replace',
  'edit_add',
  'edit_remove',
  'edit_background',
  'edit_text_transfer',
  'subject_driven',
  'image_ref_transfer',
  'canny_control',
  'depth_control',
  'hed_control',
  'openpose_control',
  'canny_pred',
  'depth_pred',
  'hed_pred',
  'openpose_pred',
] as const;
/**
 * Upstream gives every `edit_*` type the same image-editing system prompt with the instruction verbatim, so
 * `edit_replace` is simply "apply this instruction"; the other families (control, subject, ref, pred) change the
 * task and must be chosen on purpose.
 */
export const DEFAULT_EDIT_TYPE = 'edit_replace';
export const ASPECT_CHOICES = ['1:1', '16:9', '9:16', '4:3', '3:4', '3:2', '2:3'] as const;
export const DIRECTIONS = ['left', 'right', 'up', 'down'] as const;
export const ZOOMS = [1.5, 2] as const;

const seed: OptionSpec = { name: 'seed', type: 'integer', min: LIMITS.seed.min, max: LIMITS.seed.max };
const steps: OptionSpec = { name: 'steps', type: 'integer', min: LIMITS.steps.min, max: LIMITS.steps.max };
const image: OptionSpec = { name: 'image', type: 'attachment', required: true };
const prompt: OptionSpec = { name: 'prompt', type: 'string', required: true, maxLength: MAX_PROMPT_CHARS };
const aspect: OptionSpec = {
  name: 'aspect',
  type: 'string',
  choices: ASPECT_CHOICES.map((value) => ({ value })),
};
const size: OptionSpec = { name: 'size', type: 'integer', choices: SIZE_CLASSES.map((value) => ({ value })) };

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'imagine',
    telegramAliases: ['draw'],
    options: [
      prompt,
      aspect,
      size,
      steps,
      { name: 'cfg', type: 'number', min: LIMITS.cfg.min, max: LIMITS.cfg.max },
      seed,
    ],
  },
  {
    name: 'edit',
    options: [
      image,
      { name: 'instruction', type: 'string', required: true, maxLength: MAX_PROMPT_CHARS },
      {
        name: 'type',
        type: 'string',
        choices: EDIT_TYPE_CHOICES.map((value) => ({ value, labelKey: `choice.edit_type.${value}` })),
      },
      { name: 'reference', type: 'attachment' },
      seed,
    ],
  },
  { name: 'describe', options: [image, { name: 'question', type: 'string', maxLength: MAX_PROMPT_CHARS }] },
  {
    name: 'retouch',
    options: [
      image,
      prompt,
      { name: 'boxes', type: 'string', maxLength: 200 },
      { name: 'mask', type: 'attachment' },
      seed,
    ],
  },
  {
    name: 'outpaint',
    options: [
      image,
      prompt,
      { name: 'zoom', type: 'number', choices: ZOOMS.map((value) => ({ value })) },
      {
        name: 'direction',
        type: 'string',
        choices: DIRECTIONS.map((value) => ({ value, labelKey: `choice.direction.${value}` })),
      },
      seed,
    ],
  },
  { name: 'queue', options: [] },
  { name: 'cancel', options: [{ name: 'job', type: 'string', maxLength: 36 }] },
  {
    name: 'settings',
    options: [
      size,
      aspect,
      steps,
      {
        name: 'language',
        type: 'string',
        choices: SUPPORTED_LOCALES.map((value) => ({ value, labelKey: 'meta.language_name' })),
      },
      { name: 'private', type: 'boolean' },
      { name: 'previews', type: 'boolean' },
    ],
  },
  { name: 'help', options: [] },
  { name: 'start', options: [], platforms: ['telegram'], aliasOf: 'help' },
];

export const MENUS: readonly MenuSpec[] = [
  { id: 'describe_image' },
  { id: 'edit_image' },
  { id: 'retouch_image' },
];

export function findCommand(
  name: string,
  definitions: readonly CommandSpec[] = COMMANDS,
): CommandSpec | undefined {
  return definitions.find((c) => c.name === name || c.telegramAliases?.includes(name));
}

export const descriptionKey = (command: string) => `command.${command}.description`;
export const optionDescriptionKey = (command: string, option: string) =>
  `command.${command}.options.${option}.description`;

const DISCORD_OPTION_TYPE: Record<OptionType, number> = {
  string: 3,
  integer: 4,
  boolean: 5,
  number: 10,
  attachment: 11,
};

/** Plain JSON of Discord's application-command objects (type 1 chat input, type 3 message menus). */
export type DiscordCommandJson = Record<string, unknown>;

/**
 * Discord registration payloads: names and descriptions from the English catalog, localizations from every
 * catalog (a choice labelled by `meta.language_name` is labelled in its own language everywhere).
 */
export function toDiscordCommands(
  definitions: readonly CommandSpec[] = COMMANDS,
  catalogs: Readonly<Record<Locale, Readonly<Catalog>>> = allCatalogs(),
  menus: readonly MenuSpec[] = MENUS,
): DiscordCommandJson[] {
  const text = (locale: Locale, key: string) => catalogs[locale][key] ?? catalogs.en[key] ?? key;
  const localized = (key: string) =>
    Object.fromEntries(
      SUPPORTED_LOCALES.flatMap((locale) =>
        PLATFORM_TAGS[locale].discord.map((code) => [code, text(locale, key)]),
      ),
    );
  const chat = definitions
    .filter((c) => !c.platforms || c.platforms.includes('discord'))
    .map((c) => ({
      type: 1,
      name: c.name,
      name_localizations: localized(`command.${c.name}.name`),
      description: text('en', descriptionKey(c.name)),
      description_localizations: localized(descriptionKey(c.name)),
      // Discord wants required options first.
      options: [...c.options]
        .sort((a, b) => Number(b.required ?? false) - Number(a.required ?? false))
        .map((o) => {
          const key = optionDescriptionKey(c.name, o.name);
          const json: Record<string, unknown> = {
            type: DISCORD_OPTION_TYPE[o.type],
            name: o.name,
            description: text('en', key),
            description_localizations: localized(key),
            required: o.required ?? false,
          };
          if (o.choices) {
            json.choices = o.choices.map((choice) => {
              if (choice.labelKey === 'meta.language_name') {
                const own = text(choice.value as Locale, 'meta.language_name');
                return { name: own, value: choice.value };
              }
              return choice.labelKey
                ? {
                    name: text('en', choice.labelKey),
                    name_localizations: localized(choice.labelKey),
                    value: choice.value,
                  }
                : { name: String(choice.value), value: choice.value };
            });
          }
          if (o.min !== undefined) json.min_value = o.min;
          if (o.max !== undefined) json.max_value = o.max;
          if (o.maxLength !== undefined) json.max_length = o.maxLength;
          return json;
        }),
    }));
  const menuJson = menus.map((m) => ({
    type: 3,
    name: text('en', `menu.${m.id}.name`),
    name_localizations: localized(`menu.${m.id}.name`),
  }));
  return [...chat, ...menuJson];
}

/** Telegram's BotCommand list for one language (`setMyCommands` with `language_code`); /start stays out of the menu. */
export function toTelegramCommands(
  locale: Locale,
  definitions: readonly CommandSpec[] = COMMANDS,
): Array<{ command: string; description: string }> {
  const messages = catalog(locale);
  const describe = (name: string) =>
    (messages[descriptionKey(name)] ?? catalog('en')[descriptionKey(name)] ?? name).slice(0, 256);
  return definitions
    .filter((c) => (!c.platforms || c.platforms.includes('telegram')) && !c.aliasOf)
    .flatMap((c) => [
      { command: c.name, description: describe(c.name) },
      ...(c.telegramAliases ?? []).map((alias) => ({ command: alias, description: describe(c.name) })),
    ]);
}
