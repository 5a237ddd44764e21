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
import { COMMANDS, type CommandSpec, optionNameKey } from '../../../commands/index.js';
import { catalog, type Locale, PLATFORM_TAGS, SUPPORTED_LOCALES } from '../../../src/i18n.js';
import {
  CHAT_NAME,
  COMMAND_CHARACTERS_MAX,
  commandCharacters,
  invalidCommands,
} from '../../doubles/fake-discord/command-rules.js';
import { type FakeDiscord, startFakeDiscord } from '../../doubles/fake-discord/index.js';

type Json = Record<string, unknown>;
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

  it('every option is named in every locale: its catalog’s word, Discord’s pattern in lowercase, unique', () => {
    const commands = JSON.parse(JSON.stringify(toDiscordCommands()));
    const codes = SUPPORTED_LOCALES.flatMap((locale) =>
      PLATFORM_TAGS[locale].discord.map((code): [Locale, string] => [locale, code]),
    );
    for (const command of commands.filter((c: { type: number }) => c.type === 1)) {
      for (const [locale, code] of codes) {
        const names = (command.options ?? []).map((o: { name: string; name_localizations: Json }) => {
          const name = o.name_localizations[code] as string;
          expect(name, `${command.name}.${o.name} ${code}`).toBe(
            catalog(locale)[optionNameKey(command.name, o.name)],
          );
          expect(name).toMatch(CHAT_NAME);
          expect(name).toBe(name.toLowerCase());
          return name;
        });
        expect(new Set(names).size, `${command.name} in ${code}`).toBe(names.length);
      }
    }
    // Localized, not English again: a German client is shown German names.
    const imagine = commands.find((c: { name: string }) => c.name === 'imagine');
    const german = imagine.options.map((o: { name_localizations: Json }) => o.name_localizations.de);
    expect(german).toEqual(expect.arrayContaining(['seitenverhältnis', 'größe', 'schritte', 'bild']));
  });

  it('the fake refuses an option name that breaks Discord’s rules in one locale', () => {
    const imagine = JSON.parse(JSON.stringify(toDiscordCommands().find((c) => c.name === 'imagine')));
    const withAspectIn = (code: string, name: string) => {
      const copy = structuredClone(imagine);
      copy.options.find((o: { name: string }) => o.name === 'aspect').name_localizations[code] = name;
      return invalidCommands([copy])?.body as { errors?: unknown } | undefined;
    };
    const at = (reply: { errors?: unknown } | undefined) => JSON.stringify(reply?.errors ?? null);
    expect(withAspectIn('de', 'seitenverhältnis')).toBeUndefined();
    expect(withAspectIn('fr', "l'aspect")).toBeUndefined();
    for (const bad of ['Seitenverhältnis', 'seiten verhältnis', 's'.repeat(33), '', 'größe']) {
      expect(at(withAspectIn('de', bad)), bad).toContain('name_localizations');
    }
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
