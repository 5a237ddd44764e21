// The guilds the bot has its commands registered in (DISCORD_GUILD_IDS), kept in a small file under DATA_DIR. When
// that list shrinks or goes (back to global commands) the copies it left there would show every command twice, or
// keep offering commands the bot refuses; Discord has no cheap way to find them (asking every guild costs a call
// each, under rate limits, on a big bot), so the next start reads this file and cleans up those guilds only.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../src/log.js';

export const REGISTERED_GUILDS_FILE = 'discord-guild-commands.json';

const SNOWFLAKE = /^\d{1,21}$/;

export class RegisteredGuilds {
  readonly path: string;

  constructor(
    private readonly dataDir: string,
    private readonly log: Pick<Logger, 'warn'>,
  ) {
    this.path = join(dataDir, REGISTERED_GUILDS_FILE);
  }

  /**
   * The remembered guild ids; none when the file is missing or unreadable. A damaged file only costs a cleanup
   * (duplicates stay, as before this file existed): never a start.
   */
  read(): string[] {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        this.log.warn({ err: error, path: this.path }, 'discord: the registered guilds file cannot be read');
      return [];
    }
    try {
      const parsed: unknown = JSON.parse(text);
      const ids: unknown =
        typeof parsed === 'object' && parsed !== null ? Reflect.get(parsed, 'guildIds') : [];
      if (!Array.isArray(ids)) throw new Error('no guildIds list');
      return [...new Set(ids.filter((id): id is string => typeof id === 'string' && SNOWFLAKE.test(id)))];
    } catch (error) {
      this.log.warn(
        { reason: error instanceof Error ? error.message : String(error), path: this.path },
        'discord: the registered guilds file is damaged; its guilds are not cleaned up',
      );
      return [];
    }
  }

  /**
   * Replaces the remembered ids. Written beside the file and renamed over it, so a crash mid-write leaves the old
   * list, never half of one. A failure is logged: the commands are registered either way.
   */
  write(ids: Iterable<string>): void {
    const temporary = `${this.path}.${process.pid}.tmp`;
    try {
      mkdirSync(this.dataDir, { recursive: true });
      writeFileSync(temporary, `${JSON.stringify({ guildIds: [...new Set(ids)].sort() }, null, 2)}\n`);
      renameSync(temporary, this.path);
    } catch (error) {
      try {
        rmSync(temporary, { force: true });
      } catch {
        // The write's own failure is the one worth reporting.
      }
      this.log.warn({ err: error, path: this.path }, 'discord: the registered guilds file cannot be written');
    }
  }
}
