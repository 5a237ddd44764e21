// Discord's autocomplete: while an option registered with `autocomplete` is typed (/cancel's job, /prefer's name),
// Discord asks what to offer and gives 3 s to answer. The answer is read from the store at once; where the bot may
// not serve the user (guild allowlist, DMs off) it offers nothing.
import type { AutocompleteInteraction } from 'discord.js';
import type { DiscordRuntime, Origin } from './runtime.js';

export async function onAutocomplete(
  bot: DiscordRuntime,
  i: AutocompleteInteraction,
  origin: Origin,
): Promise<void> {
  if (!bot.allowed(i.guildId) || bot.dmsRefused(i.guildId)) return i.respond([]);
  const focused = i.options.getFocused(true);
  const suggestions = bot.commands.suggest(
    bot.context(origin),
    i.commandName,
    focused.name,
    String(focused.value),
  );
  await i.respond(suggestions.map((s) => ({ name: s.label, value: s.value })));
}
