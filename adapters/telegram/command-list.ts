// Telegram's command menus, derived from the command registry's specs: one BotCommand list per language
// (`setMyCommands` with `language_code`), aliases listed beside their command, /start kept out of the menu. The
// default menu is everyone's, so admin commands (/block) stay out of it; an admin's own menu (command-menus.ts, in
// their private chat) has them too.
import type { BotCommand } from 'grammy/types';
import { COMMANDS, type CommandSpec, descriptionKey, onPlatform, shortText } from '../../commands/index.js';
import { catalog, type Locale } from '../../src/i18n.js';

/** Telegram's longest command description. */
const DESCRIPTION_LIMIT = 256;

export function toTelegramCommands(
  locale: Locale,
  specs: readonly CommandSpec[] = COMMANDS,
  forAdmin = false,
): BotCommand[] {
  const messages = catalog(locale);
  const describe = (name: string) =>
    shortText(
      messages[descriptionKey(name)] ?? catalog('en')[descriptionKey(name)] ?? name,
      DESCRIPTION_LIMIT,
    );
  return specs
    .filter((spec) => onPlatform(spec, 'telegram') && !spec.aliasOf && (forAdmin || !spec.adminOnly))
    .flatMap((spec) => [
      { command: spec.name, description: describe(spec.name) },
      ...(spec.telegramAliases ?? []).map((alias) => ({ command: alias, description: describe(spec.name) })),
    ]);
}
