// Discord's rules for application commands as a bulk overwrite (PUT …/commands) sends them, each a small named
// check (developers/interactions/application-commands.mdx of discord-api-docs): names, descriptions and choices in
// the default language and in every localization, option counts and order, the 8000 characters of a command, the
// number of commands of each type. Refusals are Discord's 400 50035 (30032 for too many commands).
import { ApplicationCommandOptionType, ApplicationCommandType, Locale } from 'discord.js';
import { discordError, type RouteReply } from './errors.js';
import { badCount, badLength, firstOf, formError, required } from './form-error.js';
import type { JsonBody } from './store.js';

/** CHAT_INPUT command and option names: Discord's pattern, lowercase wherever the letter has a lowercase. */
export const CHAT_NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;
export const NAME_MAX = 32;
export const DESCRIPTION_MAX = 100;
export const OPTIONS_MAX = 25;
export const CHOICES_MAX = 25;
export const CHOICE_NAME_MAX = 100;
export const CHOICE_VALUE_MAX = 100;
/** Combined name, description and value characters of a command, its options and choices (longest localization). */
export const COMMAND_CHARACTERS_MAX = 8000;
/** min_length and max_length of a STRING option. */
export const STRING_LENGTH_MAX = 6000;
/** Commands of one type in one scope. */
export const COMMANDS_MAX: Readonly<Record<number, number>> = {
  [ApplicationCommandType.ChatInput]: 100,
  [ApplicationCommandType.User]: 15,
  [ApplicationCommandType.Message]: 15,
};

const LOCALES: ReadonlySet<string> = new Set(Object.values(Locale));
const CHOICE_TYPES: ReadonlySet<number> = new Set([
  ApplicationCommandOptionType.String,
  ApplicationCommandOptionType.Integer,
  ApplicationCommandOptionType.Number,
]);

/** A localization map's entries, or none. */
function localizations(map: unknown): Array<[string, unknown]> {
  return map && typeof map === 'object' ? Object.entries(map) : [];
}

/** A field and its localizations, each as `[path, value]`. */
function everyLocale(item: JsonBody, field: string, path: string): Array<[string, unknown]> {
  return [
    [`${path}.${field}`, item?.[field]],
    ...localizations(item?.[`${field}_localizations`]).map(([locale, value]): [string, unknown] => [
      `${path}.${field}_localizations.${locale}`,
      value,
    ]),
  ];
}

/** Every key of a localization map is one of Discord's locales ("es" alone is not: "es-ES", "es-419"). */
export function invalidLocaleKeys(item: JsonBody, path: string): RouteReply | undefined {
  for (const field of ['name_localizations', 'description_localizations']) {
    for (const [locale] of localizations(item?.[field]))
      if (!LOCALES.has(locale))
        return formError(`${path}.${field}.${locale}`, 'LOCALE_INVALID', `Invalid locale: ${locale}`);
  }
  return undefined;
}

/** A CHAT_INPUT command's or an option's name, in every locale: Discord's pattern, lowercase. */
export function invalidChatName(item: JsonBody, path: string): RouteReply | undefined {
  for (const [at, name] of everyLocale(item, 'name', path)) {
    if (typeof name !== 'string') return required(at);
    if (!CHAT_NAME.test(name) || name !== name.toLowerCase())
      return formError(at, 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
  }
  return undefined;
}

/** A context-menu command's name, in every locale: 1–32 characters, any case, spaces allowed. */
export function invalidMenuName(item: JsonBody, path: string): RouteReply | undefined {
  return badInEveryLocale(item, 'name', path, NAME_MAX);
}

/** `field` in every locale: required, 1–`max` characters. */
function badInEveryLocale(item: JsonBody, field: string, path: string, max: number): RouteReply | undefined {
  for (const [at, text] of everyLocale(item, field, path)) {
    if (typeof text !== 'string') return required(at);
    const bad = badLength(text, at, max, 1);
    if (bad) return bad;
  }
  return undefined;
}

/** A description in every locale: 1–100 characters. */
export function invalidDescription(item: JsonBody, path: string): RouteReply | undefined {
  return badInEveryLocale(item, 'description', path, DESCRIPTION_MAX);
}

/** A choice: a name of 1–100 characters in every locale, a string value of at most 100. */
export function invalidChoice(choice: JsonBody, path: string): RouteReply | undefined {
  const badName = badInEveryLocale(choice, 'name', path, CHOICE_NAME_MAX);
  if (badName) return badName;
  if (typeof choice?.value === 'string') return badLength(choice.value, `${path}.value`, CHOICE_VALUE_MAX);
  return typeof choice?.value === 'number' ? undefined : required(`${path}.value`);
}

/**
 * One option: its name and description in every locale; choices (at most 25, only on STRING, INTEGER and NUMBER,
 * never with autocomplete); min_length 0–6000 and max_length 1–6000; min_value at most max_value.
 */
export function invalidOption(option: JsonBody, path: string): RouteReply | undefined {
  const choices: JsonBody[] = Array.isArray(option?.choices) ? option.choices : [];
  return firstOf([
    () => invalidLocaleKeys(option, path),
    () => invalidChatName(option, path),
    () => invalidDescription(option, path),
    () => badCount(option?.choices, `${path}.choices`, CHOICES_MAX),
    () =>
      choices.length > 0 && !CHOICE_TYPES.has(option.type)
        ? formError(
            `${path}.choices`,
            'APPLICATION_COMMAND_OPTION_CHOICES_INVALID',
            'This option takes no choices',
          )
        : undefined,
    () =>
      choices.length > 0 && option.autocomplete === true
        ? formError(
            `${path}.autocomplete`,
            'AUTOCOMPLETE_WITH_CHOICES',
            'Autocomplete cannot be set with choices',
          )
        : undefined,
    ...choices.map((choice, index) => () => invalidChoice(choice, `${path}.choices.${index}`)),
    () =>
      option?.min_length !== undefined && (option.min_length < 0 || option.min_length > STRING_LENGTH_MAX)
        ? formError(`${path}.min_length`, 'NUMBER_TYPE_MAX', `Must be between 0 and ${STRING_LENGTH_MAX}.`)
        : undefined,
    () =>
      option?.max_length !== undefined && (option.max_length < 1 || option.max_length > STRING_LENGTH_MAX)
        ? formError(`${path}.max_length`, 'NUMBER_TYPE_MAX', `Must be between 1 and ${STRING_LENGTH_MAX}.`)
        : undefined,
    () =>
      typeof option?.min_value === 'number' &&
      typeof option?.max_value === 'number' &&
      option.min_value > option.max_value
        ? formError(`${path}.min_value`, 'NUMBER_TYPE_MAX', 'min_value must not exceed max_value')
        : undefined,
  ]);
}

/** Required options first; option names unique within the command, in every locale. */
export function invalidOptionList(options: readonly JsonBody[], path: string): RouteReply | undefined {
  const firstOptional = options.findIndex((option) => option?.required !== true);
  const lateRequired = options.findIndex(
    (option, index) => index > firstOptional && option?.required === true,
  );
  if (firstOptional >= 0 && lateRequired >= 0)
    return formError(
      `${path}.options.${lateRequired}.required`,
      'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID',
      'Required options must be placed before non-required options',
    );
  return duplicatedName(
    options.map((option, index) => [`${path}.options.${index}`, option]),
    'APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS',
  );
}

/**
 * Two items (each `[path, item]`) of one list with the same name in some locale (the default name counts for a
 * locale without one).
 */
function duplicatedName(items: ReadonlyArray<[string, JsonBody]>, code: string): RouteReply | undefined {
  const locales = new Set(
    items.flatMap(([, item]) => localizations(item?.name_localizations).map(([l]) => l)),
  );
  for (const locale of ['', ...locales]) {
    const seen = new Set<string>();
    for (const [path, item] of items) {
      const name = String((locale && item?.name_localizations?.[locale]) || item?.name);
      if (seen.has(name))
        return formError(
          `${path}.${locale ? `name_localizations.${locale}` : 'name'}`,
          code,
          `The name "${name}" is used twice${locale ? ` in ${locale}` : ''}`,
        );
      seen.add(name);
    }
  }
  return undefined;
}

/** The longest of a field and its localizations, as the 8000-character rule counts it. */
function longest(item: JsonBody, field: string): number {
  return Math.max(0, ...everyLocale(item, field, '').map(([, v]) => (typeof v === 'string' ? v.length : 0)));
}

/** A command's characters toward the 8000: names, descriptions, options' and choices' too. */
export function commandCharacters(command: JsonBody): number {
  const options: JsonBody[] = Array.isArray(command?.options) ? command.options : [];
  const ofChoice = (choice: JsonBody) =>
    longest(choice, 'name') + (typeof choice?.value === 'string' ? choice.value.length : 0);
  const ofOption = (option: JsonBody): number =>
    longest(option, 'name') +
    longest(option, 'description') +
    (Array.isArray(option?.choices)
      ? option.choices.reduce((s: number, c: JsonBody) => s + ofChoice(c), 0)
      : 0) +
    (Array.isArray(option?.options)
      ? option.options.reduce((s: number, o: JsonBody) => s + ofOption(o), 0)
      : 0);
  return (
    longest(command, 'name') + longest(command, 'description') + options.reduce((s, o) => s + ofOption(o), 0)
  );
}

/**
 * One command. CHAT_INPUT: its name and description in every locale, at most 25 options, each valid, required
 * ones first, names unique; 8000 characters in all. USER and MESSAGE: a name of 1–32 in every locale and no
 * description.
 */
export function invalidCommand(command: JsonBody, path: string): RouteReply | undefined {
  const type = command?.type ?? ApplicationCommandType.ChatInput;
  if (!(type in COMMANDS_MAX))
    return formError(`${path}.type`, 'BASE_TYPE_CHOICES', 'Value must be one of (1, 2, 3).');
  const base = invalidLocaleKeys(command, path);
  if (base) return base;
  if (type !== ApplicationCommandType.ChatInput) {
    const described =
      (typeof command?.description === 'string' && command.description !== '') ||
      localizations(command?.description_localizations).length > 0;
    return (
      invalidMenuName(command, path) ??
      (described
        ? formError(
            `${path}.description`,
            'APPLICATION_COMMAND_DESCRIPTION_INVALID',
            'Context menu commands take no description',
          )
        : undefined)
    );
  }
  const options: JsonBody[] = Array.isArray(command?.options) ? command.options : [];
  return firstOf([
    () => invalidChatName(command, path),
    () => invalidDescription(command, path),
    () => badCount(command?.options, `${path}.options`, OPTIONS_MAX),
    ...options.map((option, index) => () => invalidOption(option, `${path}.options.${index}`)),
    () => invalidOptionList(options, path),
    () =>
      commandCharacters(command) > COMMAND_CHARACTERS_MAX
        ? formError(
            path,
            'APPLICATION_COMMAND_TOO_LARGE',
            `Command exceeds maximum size (${COMMAND_CHARACTERS_MAX})`,
          )
        : undefined,
  ]);
}

/**
 * A bulk overwrite: an array of valid commands, names unique per type (in every locale), at most 100 CHAT_INPUT,
 * 15 USER and 15 MESSAGE commands.
 */
export function invalidCommands(body: unknown): RouteReply | undefined {
  if (!Array.isArray(body)) return formError('_root', 'BASE_TYPE_ARRAY', 'Must be an array.');
  for (const [type, max] of Object.entries(COMMANDS_MAX)) {
    const ofType = body.filter((c: JsonBody) => String(c?.type ?? 1) === type);
    if (ofType.length > max)
      return discordError(400, 30032, `Maximum number of application commands reached (${max})`);
  }
  return firstOf([
    ...body.map((command: JsonBody, index) => () => invalidCommand(command, String(index))),
    ...Object.keys(COMMANDS_MAX).map((type) => () => {
      const ofType = body
        .map((command: JsonBody, index): [string, JsonBody] => [String(index), command])
        .filter(([, command]) => String(command?.type ?? 1) === type);
      return duplicatedName(ofType, 'APPLICATION_COMMANDS_DUPLICATE_NAME');
    }),
  ]);
}
