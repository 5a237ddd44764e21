// Registers the bot's commands where DISCORD_GUILD_IDS says (each listed guild: instant, never in DMs), else
// globally, and removes the copies an earlier start left elsewhere, so no command shows twice: the global ones of
// ours once guilds are listed, and ours in the guilds a previous start registered them in but this one does not
// (the list shrank or went). Only commands of ours: by name globally; in a guild, those Discord registered there
// (remembered by id, so one renamed or dropped since goes too) and any of today's names. Other commands of the
// same application stay.
import {
  type ClientApplication,
  DiscordAPIError,
  InteractionContextType,
  type RESTPostAPIApplicationCommandsJSONBody,
} from 'discord.js';
import type { Logger } from '../../src/log.js';
import { type GuildCommand, RegisteredGuilds } from './registered-guilds.js';

export interface Registration {
  application: ClientApplication;
  commands: readonly RESTPostAPIApplicationCommandsJSONBody[];
  guildIds: readonly string[];
  allowDms: boolean;
  /** Where the guilds registered in are remembered (DATA_DIR). */
  dataDir: string;
  log: Pick<Logger, 'info' | 'warn'>;
}

/** Discord's answers for a guild the bot is no longer in (Missing Access, Unknown Guild): nothing left to clean. */
const GUILD_GONE: ReadonlySet<unknown> = new Set([50001, 10004]);

const codeOf = (error: unknown) => (error instanceof DiscordAPIError ? error.code : undefined);
const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export async function registerCommands(registration: Registration): Promise<void> {
  const { application, commands, guildIds, log } = registration;
  const memory = new RegisteredGuilds(registration.dataDir, log);
  const remembered = memory.read();
  const known = new Map(remembered);
  const save = () => memory.write(known);
  const names = new Set(commands.map((command) => command.name));
  if (guildIds.length === 0) {
    // Discord: contexts apply to globally-scoped commands only. The refusal in onInteraction covers older clients.
    const contexts = registration.allowDms
      ? [InteractionContextType.Guild, InteractionContextType.BotDM]
      : [InteractionContextType.Guild];
    await application.commands.set(commands.map((command) => ({ ...command, contexts })));
  } else {
    let registered = 0;
    for (const guild of guildIds) {
      // One guild that removed the bot (50001 Missing Access) must not keep the others without commands.
      try {
        const set = await application.commands.set([...commands], guild);
        registered++;
        known.set(
          guild,
          [...set.values()].map(({ id, name }) => ({ id, name })),
        );
      } catch (error) {
        if (GUILD_GONE.has(codeOf(error))) known.delete(guild);
        log.warn(
          { guildId: guild, code: codeOf(error), reason: reasonOf(error) },
          'discord commands could not be registered in a guild',
        );
      }
    }
    // Remembered before the cleanups below: a start that dies during them still knows where its commands are.
    save();
    // Only once a guild has them: a list of guilds that all failed must not leave the bot with no commands.
    if (registered > 0) await dropGlobalCopies(application, names, log);
  }
  const listed = new Set(guildIds);
  for (const [guild, registered] of remembered) {
    if (listed.has(guild)) continue;
    if (await dropGuildCopies(application, guild, { names, registered }, log)) known.delete(guild);
  }
  save();
}

/**
 * A bot that ran with global commands before DISCORD_GUILD_IDS was set still has them: each listed guild would
 * show every command twice. Removes those of ours (by name); other global commands of the application stay.
 */
async function dropGlobalCopies(
  application: ClientApplication,
  names: ReadonlySet<string>,
  log: Registration['log'],
): Promise<void> {
  try {
    const global = await application.commands.fetch();
    const ours = [...global.values()].filter((command) => names.has(command.name));
    for (const command of ours) await application.commands.delete(command.id);
    if (ours.length > 0)
      log.info(
        { removed: ours.length },
        'discord: removed global commands left from before DISCORD_GUILD_IDS',
      );
  } catch (error) {
    // Duplicates in the list are untidy, not broken: the guild commands still register.
    log.warn(
      { code: codeOf(error) },
      'discord: could not check for global commands left from before DISCORD_GUILD_IDS',
    );
  }
}

/**
 * Removes our commands from a guild this start does not register in: those Discord registered there (by id: a
 * command renamed or dropped since included) and any by the names the bot has now (all it knows of a guild
 * remembered by an older file, and a registration whose answer was lost). True when the guild needs no more
 * cleaning (done, or the bot is no longer there); false after a passing failure, so the next start tries again.
 */
async function dropGuildCopies(
  application: ClientApplication,
  guildId: string,
  ours: { names: ReadonlySet<string>; registered: readonly GuildCommand[] | undefined },
  log: Registration['log'],
): Promise<boolean> {
  const ids = new Set(ours.registered?.map((command) => command.id));
  try {
    const all = [...(await application.commands.fetch({ guildId })).values()];
    const mine = all.filter((command) => ids.has(command.id) || ours.names.has(command.name));
    // One bulk overwrite instead of a call per command when nothing else of the application is there.
    if (mine.length > 0 && mine.length === all.length) await application.commands.set([], guildId);
    else for (const command of mine) await application.commands.delete(command.id, guildId);
    log.info(
      { guildId, removed: mine.length },
      'discord: removed its commands from a guild no longer in DISCORD_GUILD_IDS',
    );
    return true;
  } catch (error) {
    const code = codeOf(error);
    if (GUILD_GONE.has(code)) {
      log.info({ guildId, code }, 'discord: a guild it had commands in no longer has the bot; forgotten');
      return true;
    }
    log.warn(
      { guildId, code, reason: reasonOf(error) },
      'discord: could not remove its commands from a guild no longer in DISCORD_GUILD_IDS; will retry next start',
    );
    return false;
  }
}
