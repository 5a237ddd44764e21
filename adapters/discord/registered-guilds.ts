// The guilds the bot has its commands registered in (DISCORD_GUILD_IDS), kept in a small file under DATA_DIR. When
// that list shrinks or goes (back to global commands) the copies it left there would show every command twice, or
// keep offering commands the bot refuses; Discord has no cheap way to find them (asking every guild costs a call
// each, under rate limits, on a big bot), so the next start reads this file and cleans up those guilds only.
// Per guild it keeps the commands Discord registered there (id and name), so a command renamed or dropped since is
// still found: the names the bot has now would miss it. A file from before that (guild ids only) is still read.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { replaceFile } from '../../src/data-dir.js';
import type { Logger } from '../../src/log.js';

export const REGISTERED_GUILDS_FILE = 'discord-guild-commands.json';

const SNOWFLAKE = /^\d{1,21}$/;

/** One command of ours as Discord registered it in a guild. */
export interface GuildCommand {
  id: string;
  name: string;
}

/**
 * Per remembered guild, the commands registered there; undefined where the file does not say (written before it
 * kept them, or that entry is damaged): the cleanup then goes by the names the bot has now.
 */
export type RememberedGuilds = ReadonlyMap<string, readonly GuildCommand[] | undefined>;

export class RegisteredGuilds {
  readonly path: string;
  /** The file as this process last read or wrote it (canonical form): an unchanged list is not written again. */
  private saved: string | undefined;

  constructor(
    dataDir: string,
    private readonly log: Pick<Logger, 'warn'>,
  ) {
    this.path = join(dataDir, REGISTERED_GUILDS_FILE);
  }

  /**
   * The remembered guilds; none when the file is missing or unreadable. A damaged file only costs a cleanup
   * (duplicates stay, as before this file existed): never a start.
   */
  read(): Map<string, readonly GuildCommand[] | undefined> {
    const guilds = this.parse();
    this.saved = fileText(guilds);
    return guilds;
  }

  private parse(): Map<string, readonly GuildCommand[] | undefined> {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        this.log.warn({ err: error, path: this.path }, 'discord: the registered guilds file cannot be read');
      return new Map();
    }
    try {
      const parsed: unknown = JSON.parse(text);
      const ids: unknown =
        typeof parsed === 'object' && parsed !== null ? Reflect.get(parsed, 'guildIds') : [];
      if (!Array.isArray(ids)) throw new Error('no guildIds list');
      const listed: unknown =
        typeof parsed === 'object' && parsed !== null ? Reflect.get(parsed, 'commands') : {};
      const commands = typeof listed === 'object' && listed !== null ? listed : {};
      const guilds = new Map<string, readonly GuildCommand[] | undefined>();
      let damaged = 0;
      for (const id of ids) {
        if (typeof id !== 'string' || !SNOWFLAKE.test(id) || guilds.has(id)) continue;
        const entry: unknown = Object.hasOwn(commands, id) ? Reflect.get(commands, id) : undefined;
        const list = entry === undefined ? undefined : guildCommands(entry);
        if (entry !== undefined && !list) damaged++;
        guilds.set(id, list);
      }
      if (damaged > 0)
        this.log.warn(
          { guilds: damaged, path: this.path },
          'discord: the registered guilds file has damaged command lists; those guilds are cleaned up by name',
        );
      return guilds;
    } catch (error) {
      this.log.warn(
        { reason: error instanceof Error ? error.message : String(error), path: this.path },
        'discord: the registered guilds file is damaged; its guilds are not cleaned up',
      );
      return new Map();
    }
  }

  /**
   * Replaces the remembered guilds, unless they are what was last read or written (whole or not at all,
   * `replaceFile`). A failure is logged: the commands are registered either way.
   */
  write(guilds: RememberedGuilds): void {
    const text = fileText(guilds);
    if (text === this.saved) return;
    try {
      replaceFile(this.path, text);
      this.saved = text;
    } catch (error) {
      this.log.warn({ err: error, path: this.path }, 'discord: the registered guilds file cannot be written');
    }
  }
}

/** A guild's command list as the file holds it; undefined when any of it is not one. */
function guildCommands(entry: unknown): GuildCommand[] | undefined {
  if (!Array.isArray(entry)) return undefined;
  const commands: GuildCommand[] = [];
  for (const item of entry) {
    const id: unknown = typeof item === 'object' && item !== null ? Reflect.get(item, 'id') : undefined;
    const name: unknown = typeof item === 'object' && item !== null ? Reflect.get(item, 'name') : undefined;
    if (typeof id !== 'string' || !SNOWFLAKE.test(id) || typeof name !== 'string') return undefined;
    commands.push({ id, name });
  }
  return commands;
}

/**
 * The file's text: `guildIds` as the earlier format had it (an older build still reads its guilds), and `commands`
 * per guild where known. Sorted, so the same guilds always give the same text.
 */
function fileText(guilds: RememberedGuilds): string {
  const ids = [...guilds.keys()].sort();
  const commands: Record<string, GuildCommand[]> = {};
  for (const id of ids) {
    const list = guilds.get(id);
    if (list)
      commands[id] = list
        .map((command) => ({ id: command.id, name: command.name }))
        .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }
  return `${JSON.stringify({ guildIds: ids, commands }, null, 2)}\n`;
}
