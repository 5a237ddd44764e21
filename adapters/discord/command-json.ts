// Discord's application commands, derived from the command registry's specs: names and descriptions from the
// English catalog, localizations (option names too) from every catalog under each locale's Discord codes
// (PLATFORM_TAGS), options from the spec's schema. Typed with Discord's own wire types, so what is registered is
// checked here, not cast.
// A text no catalog holds yet (a command just added) falls back to the spec's own words, never to its catalog key:
// "command.sketch.name" is no command name Discord takes, and one refused command refuses the whole list.
import {
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandOptionChoice,
  ApplicationCommandOptionType,
  ApplicationCommandType,
  Locale as DiscordLocale,
  type LocalizationMap,
  type RESTPostAPIApplicationCommandsJSONBody,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import {
  COMMANDS,
  type CommandSpec,
  descriptionKey,
  type OptionChoice,
  type OptionInfo,
  onPlatform,
  optionDescriptionKey,
  optionNameKey,
  optionsOf,
} from '../../commands/index.js';
import { allCatalogs, type Catalog, type Locale, PLATFORM_TAGS, SUPPORTED_LOCALES } from '../../src/i18n.js';

/** Discord message context menus ("Apps → Describe image"); `menu.<id>.name` holds their localized names. */
export const MENUS = ['describe_image', 'edit_image', 'retouch_image'] as const;
export type MenuId = (typeof MENUS)[number];

const DISCORD_LOCALES: ReadonlySet<string> = new Set(Object.values(DiscordLocale));
const isDiscordLocale = (code: string): code is DiscordLocale => DISCORD_LOCALES.has(code);

type Catalogs = Readonly<Record<Locale, Readonly<Catalog>>>;

export function toDiscordCommands(
  specs: readonly CommandSpec[] = COMMANDS,
  catalogs: Catalogs = allCatalogs(),
  menus: readonly MenuId[] = MENUS,
): RESTPostAPIApplicationCommandsJSONBody[] {
  const words = new Words(catalogs);
  const chat = specs
    .filter((spec) => onPlatform(spec, 'discord'))
    .map(
      (spec): RESTPostAPIChatInputApplicationCommandsJSONBody => ({
        type: ApplicationCommandType.ChatInput,
        name: spec.name,
        name_localizations: words.localized(`command.${spec.name}.name`),
        description: words.text('en', descriptionKey(spec.name), spec.name),
        description_localizations: words.localized(descriptionKey(spec.name)),
        // Discord wants required options first.
        options: optionsOf(spec)
          .filter((o) => !o.typedOnly)
          .sort((a, b) => Number(b.required) - Number(a.required))
          .map((o) => optionJson(spec.name, o, words)),
      }),
    );
  const menuJson = menus.map(
    (id): RESTPostAPIApplicationCommandsJSONBody => ({
      type: ApplicationCommandType.Message,
      name: words.text('en', `menu.${id}.name`, id),
      name_localizations: words.localized(`menu.${id}.name`),
    }),
  );
  return [...chat, ...menuJson];
}

class Words {
  constructor(private readonly catalogs: Catalogs) {}

  /** A locale's text for `key`, else English, else `fallback` (the spec's own word). */
  text(locale: Locale, key: string, fallback: string): string {
    return this.catalogs[locale][key] ?? this.catalogs.en[key] ?? fallback;
  }

  /** `key` under every locale's Discord codes (English where its catalog lacks it); none where no catalog has it. */
  localized(key: string): LocalizationMap {
    const map: LocalizationMap = {};
    for (const locale of SUPPORTED_LOCALES) {
      const text = this.catalogs[locale][key] ?? this.catalogs.en[key];
      if (text === undefined) continue;
      for (const code of PLATFORM_TAGS[locale].discord) if (isDiscordLocale(code)) map[code] = text;
    }
    return map;
  }

  /** A locale's choice is labelled in its own language everywhere; a keyed label is localized. */
  choice<T extends string | number>(choice: OptionChoice, value: T): APIApplicationCommandOptionChoice<T> {
    if (choice.ownLanguage)
      return { name: this.text(value as Locale, 'meta.language_name', String(value)), value };
    if (!choice.labelKey) return { name: String(value), value };
    return {
      name: this.text('en', choice.labelKey, String(value)),
      name_localizations: this.localized(choice.labelKey),
      value,
    };
  }
}

function optionJson(command: string, o: OptionInfo, words: Words): APIApplicationCommandBasicOption {
  const key = optionDescriptionKey(command, o.name);
  const base = {
    // The interaction still carries `name`: the localized names are only what each client shows (`option-names.ts`).
    name: o.name,
    name_localizations: words.localized(optionNameKey(command, o.name)),
    description: words.text('en', key, o.name),
    description_localizations: words.localized(key),
    required: o.required,
  };
  const limits = {
    ...(o.min !== undefined ? { min_value: o.min } : {}),
    ...(o.max !== undefined ? { max_value: o.max } : {}),
  };
  switch (o.type) {
    case 'attachment':
      return { ...base, type: ApplicationCommandOptionType.Attachment };
    case 'boolean':
      return { ...base, type: ApplicationCommandOptionType.Boolean };
    case 'user':
      // Discord's user picker: the interaction carries the id (and the member, for an admin role's check).
      return { ...base, type: ApplicationCommandOptionType.User };
    case 'integer': {
      const type = ApplicationCommandOptionType.Integer;
      if (o.choices)
        return { ...base, type, choices: o.choices.map((c) => words.choice(c, Number(c.value))) };
      return { ...base, type, ...limits };
    }
    case 'number': {
      const type = ApplicationCommandOptionType.Number;
      if (o.choices)
        return { ...base, type, choices: o.choices.map((c) => words.choice(c, Number(c.value))) };
      return { ...base, type, ...limits };
    }
    case 'string': {
      const type = ApplicationCommandOptionType.String;
      if (o.choices)
        return { ...base, type, choices: o.choices.map((c) => words.choice(c, String(c.value))) };
      return {
        ...base,
        type,
        ...(o.maxLength !== undefined ? { max_length: o.maxLength } : {}),
        // Discord then asks the bot what to offer as the user types (`onAutocomplete`).
        ...(o.meta.suggest ? { autocomplete: true } : {}),
      };
    }
  }
}
