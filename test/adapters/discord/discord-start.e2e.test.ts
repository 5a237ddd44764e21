// Starting the Discord adapter against the in-repo fake on a fast engine double: a guild of DISCORD_GUILD_IDS the
// bot was removed from is logged and skipped, and a start that fails leaves no client logged in.
import { describe, expect, it } from 'vitest';
import { startDiscord } from '../../../adapters/discord/index.js';
import { buildCommands } from '../../../src/app-services.js';
import { createLogger } from '../../../src/log.js';
import { type FakeDiscord, startFakeDiscord } from '../../doubles/fake-discord/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { openDoubleServices } from '../e2e-services.js';

/** A bot on `fake` with these variables, logging JSON lines into `lines`. */
function prepare(fake: FakeDiscord, env: Record<string, string>, lines: string[]) {
  const opened = openDoubleServices(
    'discord-start',
    { DISCORD_TOKEN: fake.token, ...env },
    new TimedEngineDouble(40, 6),
  );
  const log = createLogger({ level: 'info', pretty: false, destination: { write: (l) => lines.push(l) } });
  const { config, services } = opened;
  return {
    services,
    start: () =>
      startDiscord({ config, log }, services, buildCommands({ config, log }, services), {
        rest: fake.clientOptions().rest,
        cdnHosts: fake.cdnHosts,
      }),
  };
}

describe('Discord adapter start', { timeout: 30_000 }, () => {
  it('a listed guild that removed the bot is logged (without the token) and skipped; the others get commands', async () => {
    const fake = await startFakeDiscord();
    const gone = fake.world.snowflake();
    const lines: string[] = [];
    const bot = prepare(fake, { DISCORD_GUILD_IDS: `${gone},${fake.world.guild.id}` }, lines);
    try {
      const running = await bot.start();
      await running.stop();
      expect(fake.callsTo('PUT /applications/:app/guilds/:guild/commands').map((c) => c.status)).toEqual([
        403, 200,
      ]);
      expect(fake.store.guildCommands.get(fake.world.guild.id)?.length).toBeGreaterThan(0);
      const warning = lines.find((line) => line.includes(gone));
      expect(warning).toContain('50001');
      expect(lines.join('\n')).not.toContain(fake.token);
    } finally {
      await bot.services.close();
      await fake.stop();
    }
  });

  it('with DISCORD_GUILD_IDS, removes its own global commands left from a global start (no command twice)', async () => {
    const fake = await startFakeDiscord();
    const lines: string[] = [];
    try {
      const global = prepare(fake, {}, lines);
      await (await global.start()).stop();
      await global.services.close();
      const names = fake.store.globalCommands.map((c) => c.name);
      expect(names).toContain('imagine');
      // Another tool's global command of the same application is not the bot's to remove.
      fake.store.globalCommands.push({
        ...fake.store.globalCommands[0]!,
        id: fake.world.snowflake(),
        name: 'poll',
      });
      const guilded = prepare(fake, { DISCORD_GUILD_IDS: fake.world.guild.id }, lines);
      await (await guilded.start()).stop();
      await guilded.services.close();
      expect(fake.store.globalCommands.map((c) => c.name)).toEqual(['poll']);
      expect(
        fake.store.guildCommands
          .get(fake.world.guild.id)
          ?.map((c) => c.name)
          .sort(),
      ).toEqual([...names].sort());
    } finally {
      await fake.stop();
    }
  });

  it('a start that fails after logging in leaves no client connected', async () => {
    const fake = await startFakeDiscord();
    fake.failRoute('PUT /applications/:app/commands', {
      status: 400,
      code: 50035,
      message: 'Invalid Form Body',
    });
    const bot = prepare(fake, {}, []);
    try {
      await expect(bot.start()).rejects.toThrow(/Invalid Form Body/);
      expect(fake.gatewayFrames.calls.some((frame) => frame.op === 2)).toBe(true);
      await expect.poll(() => fake.gateway.connected, { timeout: 5000 }).toBe(0);
    } finally {
      await bot.services.close();
      await fake.stop();
    }
  });
});
