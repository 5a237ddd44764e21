// The names a Discord user sees on a command's options. Discord shows each client the option's name for its own
// locale (the registered `name_localizations`: `/imagine … seitenverhältnis:` on a German client) and sends the bot
// the base name (`aspect`), so a refusal that names an option as the user gave it must map it back. Read from the
// very JSON the bot registers, so what a refusal says and what the client showed cannot drift apart.
import { ApplicationCommandType, type Locale as DiscordLocale, type LocalizationMap } from 'discord.js';
import type { CommandSpec } from '../../commands/index.js';
import { toDiscordCommands } from './command-json.js';

type Localized = ReadonlyMap<string, LocalizationMap>;

/** Per spec: each registered option's name localizations (the catalogs are loaded once, so this never changes). */
const registered = new WeakMap<CommandSpec, Localized>();

function localizationsOf(spec: CommandSpec): Localized {
  const known = registered.get(spec);
  if (known) return known;
  const map = new Map<string, LocalizationMap>();
  for (const command of toDiscordCommands([spec], undefined, [])) {
    if (command.type !== ApplicationCommandType.ChatInput) continue;
    for (const option of command.options ?? []) map.set(option.name, option.name_localizations ?? {});
  }
  registered.set(spec, map);
  return map;
}

/**
 * The options of `spec` as a client in `locale` (the interaction's `locale`) shows them, by their base names; an
 * option its locale has no name for is left out, and is named by its base name, as Discord shows it.
 */
export function shownOptionNames(spec: CommandSpec, locale: DiscordLocale): Record<string, string> {
  const shown: Record<string, string> = {};
  for (const [name, localizations] of localizationsOf(spec)) {
    const local = localizations[locale];
    if (local) shown[name] = local;
  }
  return shown;
}
