// Starting the Discord adapter against the in-repo fake on a fast engine double: a guild of DISCORD_GUILD_IDS the
// bot was removed from is logged and skipped, no command of ours is left twice when the bot moves between global and
// guild commands, and a start that fails leaves no client logged in.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PermissionFlagsBits } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { DISCORD_PROFILE, startDiscord } from '../../../adapters/discord/index.js';
import { INVITE_PERMISSIONS } from '../../../adapters/discord/invite.js';
import { REGISTERED_GUILDS_FILE } from '../../../adapters/discord/registered-guilds.js';
import { COMMAND_REGISTRY, CommandRegistry, Commands } from '../../../commands/index.js';
import { startApp } from '../../../src/app.js';
import { buildCommands } from '../../../src/app-services.js';
import { createLogger } from '../../../src/log.js';
import { type FakeDiscord, startFakeDiscord } from '../../doubles/fake-discord/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { freePort, takenPort, tryToListen } from '../../ports.js';
import { openDoubleServices } from '../e2e-services.js';

/** A bot on `fake` with these variables, logging JSON lines into `lines` (with `registry`'s commands if given). */
function prepare(
  fake: FakeDiscord,
  env: Record<string, string>,
  lines: string[],
  registry?: CommandRegistry,
) {
  const opened = openDoubleServices(
    'discord-start',
    { DISCORD_TOKEN: fake.token, ...env },
    new TimedEngineDouble(40, 6),
  );
  const log = createLogger({ level: 'info', pretty: false, destination: { write: (l) => lines.push(l) } });
  const { config, services } = opened;
  const commands = registry
    ? new Commands({
        queue: services.jobs.queue,
        store: services.jobs.store,
        config,
        platforms: { discord: DISCORD_PROFILE },
        randomModel: services.bundledModel,
        registry,
      })
    : buildCommands({ config, log }, services);
  return {
    config,
    services,
    start: () =>
      startDiscord({ config, log }, services, commands, {
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

  /** Starts and stops a bot on `fake` with these variables (the same DATA_DIR keeps what it remembered). */
  async function startOnce(
    fake: FakeDiscord,
    env: Record<string, string>,
    lines: string[] = [],
    registry?: CommandRegistry,
  ) {
    const bot = prepare(fake, env, lines, registry);
    try {
      await (await bot.start()).stop();
    } finally {
      await bot.services.close();
    }
  }

  const remembered = (dataDir: string) =>
    JSON.parse(readFileSync(join(dataDir, REGISTERED_GUILDS_FILE), 'utf8')).guildIds as string[];
  const guildNames = (fake: FakeDiscord) =>
    (fake.store.guildCommands.get(fake.world.guild.id) ?? []).map((c) => c.name).sort();

  it('back to global commands, removes its own commands from the guilds it had registered them in', async () => {
    const fake = await startFakeDiscord();
    const dataDir = mkdtempSync(join(tmpdir(), 'dimoo-discord-guilds-'));
    const guild = fake.world.guild.id;
    try {
      await startOnce(fake, { DATA_DIR: dataDir, DISCORD_GUILD_IDS: guild });
      expect(remembered(dataDir)).toEqual([guild]);
      expect(guildNames(fake)).toContain('imagine');
      // Another tool's guild command of the same application is not the bot's to remove.
      fake.store.guildCommands.get(guild)?.push({
        ...fake.store.guildCommands.get(guild)![0]!,
        id: fake.world.snowflake(),
        name: 'poll',
      });
      const lines: string[] = [];
      await startOnce(fake, { DATA_DIR: dataDir }, lines);
      expect(fake.store.globalCommands.map((c) => c.name)).toContain('imagine');
      expect(guildNames(fake)).toEqual(['poll']);
      expect(remembered(dataDir)).toEqual([]);
      expect(lines.join('\n')).toContain('removed its commands from a guild');
      // Forgotten: the next global start asks that guild nothing.
      const asked = fake.callsTo('GET /applications/:app/guilds/:guild/commands').length;
      await startOnce(fake, { DATA_DIR: dataDir });
      expect(fake.callsTo('GET /applications/:app/guilds/:guild/commands')).toHaveLength(asked);
    } finally {
      await fake.stop();
    }
  });

  it('a command dropped since a guild registered it is removed from that guild too (remembered by id)', async () => {
    const fake = await startFakeDiscord();
    const dataDir = mkdtempSync(join(tmpdir(), 'dimoo-discord-guilds-'));
    const guild = fake.world.guild.id;
    try {
      // An earlier build, with /describe, registered in the guild.
      await startOnce(fake, { DATA_DIR: dataDir, DISCORD_GUILD_IDS: guild });
      expect(guildNames(fake)).toContain('describe');
      const file = JSON.parse(readFileSync(join(dataDir, REGISTERED_GUILDS_FILE), 'utf8'));
      const registered = fake.store.guildCommands.get(guild) ?? [];
      expect(file.commands[guild].map((c: { id: string }) => c.id).sort()).toEqual(
        registered.map((c) => c.id).sort(),
      );
      fake.store.guildCommands
        .get(guild)
        ?.push({ ...registered[0]!, id: fake.world.snowflake(), name: 'poll' });
      // This build has no /describe and registers globally: nothing of the earlier build stays in the guild.
      const withoutDescribe = new CommandRegistry(
        COMMAND_REGISTRY.commands.filter((command) => command.spec.name !== 'describe'),
      );
      await startOnce(fake, { DATA_DIR: dataDir }, [], withoutDescribe);
      expect(fake.store.globalCommands.map((c) => c.name)).not.toContain('describe');
      expect(guildNames(fake)).toEqual(['poll']);
      expect(remembered(dataDir)).toEqual([]);
    } finally {
      await fake.stop();
    }
  });

  it('a remembered guild that removed the bot is forgotten with a log line; a passing failure is tried again', async () => {
    const fake = await startFakeDiscord();
    const dataDir = mkdtempSync(join(tmpdir(), 'dimoo-discord-guilds-'));
    const guild = fake.world.guild.id;
    const gone = fake.world.snowflake();
    try {
      await startOnce(fake, { DATA_DIR: dataDir, DISCORD_GUILD_IDS: guild });
      writeFileSync(join(dataDir, REGISTERED_GUILDS_FILE), JSON.stringify({ guildIds: [gone, guild] }));
      fake.failRoute(
        (call) =>
          call.route === 'GET /applications/:app/guilds/:guild/commands' && call.params.guild === guild,
        { times: 10, status: 500, message: 'Internal Server Error' },
      );
      const lines: string[] = [];
      await startOnce(fake, { DATA_DIR: dataDir }, lines);
      expect(remembered(dataDir)).toEqual([guild]);
      const forgotten = lines.find((line) => line.includes(gone));
      expect(forgotten).toContain('50001');
      expect(guildNames(fake)).toContain('imagine');
      fake.failures.clear();
      await startOnce(fake, { DATA_DIR: dataDir });
      // Only ours were there: one bulk overwrite with nothing instead of a delete per command.
      expect(guildNames(fake)).toEqual([]);
      expect(fake.callsTo('DELETE /applications/:app/guilds/:guild/commands/:command')).toEqual([]);
      expect(remembered(dataDir)).toEqual([]);
    } finally {
      await fake.stop();
    }
  });

  it('a damaged file of remembered guilds is logged and costs only the cleanup, never the start', async () => {
    const fake = await startFakeDiscord();
    const dataDir = mkdtempSync(join(tmpdir(), 'dimoo-discord-guilds-'));
    writeFileSync(join(dataDir, REGISTERED_GUILDS_FILE), '{"guildIds": [');
    const lines: string[] = [];
    try {
      await startOnce(fake, { DATA_DIR: dataDir }, lines);
      expect(fake.store.globalCommands.map((c) => c.name)).toContain('imagine');
      expect(lines.join('\n')).toContain('registered guilds file is damaged');
    } finally {
      await fake.stop();
    }
  });

  it('logs the invite URL once, at info, with the logged-in application id and the README’s permissions', async () => {
    const fake = await startFakeDiscord();
    const lines: string[] = [];
    try {
      await startOnce(fake, {}, lines);
      const invites = lines.filter((line) => line.includes('oauth2/authorize'));
      expect(invites).toHaveLength(1);
      const logged = JSON.parse(invites[0] as string) as { level: number; inviteUrl: string };
      expect(logged.level).toBe(30);
      const url = new URL(logged.inviteUrl);
      expect(url.origin + url.pathname).toBe('https://discord.com/oauth2/authorize');
      expect(url.searchParams.get('client_id')).toBe(fake.world.applicationId);
      expect(url.searchParams.get('scope')).toBe('bot applications.commands');
      // What the bot uses, no more: the README's set-up names the same number.
      expect(BigInt(url.searchParams.get('permissions') ?? '')).toBe(INVITE_PERMISSIONS);
      expect(INVITE_PERMISSIONS & PermissionFlagsBits.EmbedLinks).toBe(0n);
      const readme = readFileSync(join(import.meta.dirname, '../../../README.md'), 'utf8');
      expect(readme).toContain(`scope=bot%20applications.commands&permissions=${INVITE_PERMISSIONS}`);
      expect(lines.join('\n')).not.toContain(fake.token);
    } finally {
      await fake.stop();
    }
  });

  it('with an interactions endpoint, its port is held from the start: 503 and not to be taken during the login, then it serves', async () => {
    const fake = await startFakeDiscord();
    const port = await freePort();
    // A slow login: discord.js asks where the gateway is first.
    fake.delayRoute('GET /gateway/bot', 3000);
    const env = {
      DISCORD_PUBLIC_KEY: fake.signingKeys.publicKeyHex,
      DISCORD_INTERACTIONS_PORT: String(port),
    };
    const bot = prepare(fake, env, []);
    const url = `http://127.0.0.1:${port}/interactions`;
    let returned = false;
    const starting = bot.start().finally(() => {
      returned = true;
    });
    try {
      const ping = () =>
        fake.deliverInteraction(url, { ...fake.build.slashCommand({ name: 'help' }), type: 1 } as never);
      await expect
        .poll(
          () =>
            ping().then(
              (d) => d.status,
              () => 'refused',
            ),
          { timeout: 2500 },
        )
        .toBe(200);
      const early = await fake.deliverInteraction(url, fake.build.slashCommand({ name: 'help' }));
      expect(early).toMatchObject({ status: 503, retryAfter: '30' });
      expect(await tryToListen(port)).toBe('EADDRINUSE');
      expect(returned).toBe(false);
      const running = await starting;
      try {
        const help = await fake.deliverInteraction(url, fake.build.slashCommand({ name: 'help' }));
        expect(help.status).toBe(202);
        await fake.waitForCall(fake.answerOf(help));
        expect(
          fake.callsTo('POST /interactions/:id/:token/callback').some((c) => c.params.id === early.id),
        ).toBe(false);
      } finally {
        await running.stop();
      }
    } finally {
      await starting.catch(() => undefined);
      await bot.services.close();
      await fake.stop();
    }
  });

  it('an interactions port another program took after its reservation let go: the one line, before any login', async () => {
    const fake = await startFakeDiscord();
    const { port, release } = await takenPort();
    const env = {
      DISCORD_PUBLIC_KEY: fake.signingKeys.publicKeyHex,
      DISCORD_INTERACTIONS_PORT: String(port),
    };
    const bot = prepare(fake, env, []);
    try {
      const log = createLogger({ level: 'silent' });
      await expect(startApp({ config: bot.config, log }, { discord: bot.start })).rejects.toThrow(
        `Discord's interactions endpoint cannot listen: 127.0.0.1:${port} is already in use (another program listens there, or another dimoo-bot). Change DISCORD_INTERACTIONS_PORT or DISCORD_INTERACTIONS_HOST.`,
      );
      expect(fake.gatewayFrames.calls).toEqual([]);
    } finally {
      await release();
      await bot.services.close();
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

  it.each([
    [4004, /Authentication failed/],
    [4014, /disallowed intents/i],
  ])(
    'a gateway closed with %i before READY fails the start (%s) instead of waiting for ever',
    async (code, said) => {
      const fake = await startFakeDiscord();
      fake.gateway.options.refuseIdentify = code;
      const bot = prepare(fake, {}, []);
      try {
        await expect(bot.start()).rejects.toThrow(said);
        expect(fake.gateway.connected).toBe(0);
      } finally {
        await bot.services.close();
        await fake.stop();
      }
    },
  );
});
