// The commands the bot really registers (every catalog's names and descriptions under each locale's Discord codes,
// the message menus), sent by the real registration through discord.js to the fake, which refuses what Discord
// refuses: every locale's name pattern and case, 1–100 descriptions and choices, option order and names, the 8000
// characters of a command, locale keys, command counts.

import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Events, GatewayIntentBits } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toDiscordCommands } from '../../../adapters/discord/command-json.js';
import { registerCommands } from '../../../adapters/discord/command-registration.js';
import { COMMANDS, type CommandSpec } from '../../../commands/index.js';
import { PLATFORM_TAGS, SUPPORTED_LOCALES } from '../../../src/i18n.js';
import {
  COMMAND_CHARACTERS_MAX,
  commandCharacters,
  invalidCommands,
} from '../../doubles/fake-discord/command-rules.js';
import { type FakeDiscord, startFakeDiscord } from '../../doubles/fake-discord/index.js';

const log = { info: () => {}, warn: () => {} };
let fake: FakeDiscord | undefined;
let client: Client | undefined;

afterEach(async () => {
  await client?.destroy();
  await fake?.stop();
  fake = undefined;
  client = undefined;
});

async function connect(): Promise<{ fake: FakeDiscord; client: Client }> {
  fake = await startFakeDiscord();
  client = new Client({ intents: [GatewayIntentBits.Guilds], ...fake.clientOptions() });
  const ready = once(client, Events.ClientReady);
  await client.login(fake.token);
  await ready;
  return { fake, client };
}

describe('Discord: the registered commands within Discord’s rules in every locale', () => {
  it('the command JSON passes every rule (the reason is named when it does not)', () => {
    const commands = JSON.parse(JSON.stringify(toDiscordCommands()));
    expect(invalidCommands(commands)?.body).toBeUndefined();
    for (const command of commands)
      expect(commandCharacters(command), command.name).toBeLessThanOrEqual(COMMAND_CHARACTERS_MAX);
    // Every locale's Discord codes are there, on every command.
    const codes = SUPPORTED_LOCALES.flatMap((locale) => PLATFORM_TAGS[locale].discord);
    for (const command of commands)
      expect(Object.keys(command.name_localizations).sort()).toEqual([...codes].sort());
  });

  it('a command no catalog names yet registers under its own words, not its catalog keys', () => {
    // "command.sketch.name" is no name Discord takes, and one refused command refuses the whole list.
    const sketch = {
      name: 'sketch',
      options: z.object({ subject: z.string().max(200), mood: z.enum(['calm', 'wild']).optional() }),
      text: { rest: 'subject', named: { mood: 'mood' } },
    } satisfies CommandSpec;
    const commands = JSON.parse(JSON.stringify(toDiscordCommands([...COMMANDS, sketch])));
    expect(invalidCommands(commands)?.body).toBeUndefined();
    expect(commands.find((c: { name: string }) => c.name === 'sketch')).toMatchObject({
      name_localizations: {},
      description: 'sketch',
      options: [
        { name: 'subject', description: 'subject' },
        { name: 'mood', description: 'mood' },
      ],
    });
  });

  it('registered globally (with contexts) and per guild through discord.js, the fake takes them whole', async () => {
    const { fake, client } = await connect();
    const commands = toDiscordCommands();
    const dataDir = mkdtempSync(join(tmpdir(), 'discord-commands-'));
    const application = client.application;
    if (!application) throw new Error('no application after READY');
    await registerCommands({ application, commands, guildIds: [], allowDms: true, dataDir, log });
    await registerCommands({
      application,
      commands,
      guildIds: [fake.world.guild.id],
      allowDms: true,
      dataDir,
      log,
    });
    const puts = fake.callsTo((call) => call.method === 'PUT');
    expect(puts.map((call) => [call.route, call.status])).toEqual([
      ['PUT /applications/:app/commands', 200],
      ['PUT /applications/:app/guilds/:guild/commands', 200],
    ]);
    expect(fake.store.guildCommands.get(fake.world.guild.id)?.map((c) => c.name)).toEqual(
      commands.map((c) => c.name),
    );
  });
});
