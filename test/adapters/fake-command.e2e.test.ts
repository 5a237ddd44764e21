// A new command is one spec and one handler: a fake `/sketch` added to a test registry is registered on Discord
// and Telegram, collected from a slash interaction, parsed from typed text, validated against its schema and
// listed in /help, with no adapter code knowing of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  COMMAND_REGISTRY,
  CommandRegistry,
  type CommandSpec,
  Commands,
  defineCommand,
} from '../../commands/index.js';
import { PLATFORM_TAGS, SUPPORTED_LOCALES } from '../../src/i18n.js';
import type { FakeDiscord } from '../doubles/fake-discord/index.js';
import type { FakeTelegram } from '../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';
import { type BothPlatforms, startBothPlatforms } from './both-platforms.js';

const sketchSpec = {
  name: 'sketch',
  options: z.object({
    subject: z.string().max(200),
    strokes: z.number().int().min(1).max(9).optional(),
    mood: z.enum(['calm', 'wild']).optional(),
  }),
  text: { rest: 'subject', named: { strokes: 'strokes', mood: 'mood' } },
} satisfies CommandSpec;

/** Echoes what it was given through an existing line (`/{command} — {description}`), so tests can read it. */
const sketch = defineCommand(sketchSpec, async (_deps, _ctx, input) => ({
  text: [
    {
      key: 'help.command',
      params: {
        command: 'sketch',
        description: `${input.subject}|${input.strokes ?? '-'}|${input.mood ?? '-'}`,
      },
    },
  ],
}));

let discord: FakeDiscord;
let telegram: FakeTelegram;
let platforms: BothPlatforms | undefined;

beforeAll(async () => {
  platforms = await startBothPlatforms('fake-command', new TimedEngineDouble(1, 3), {
    commands: (services, config) =>
      new Commands({
        queue: services.jobs.queue,
        store: services.jobs.store,
        config,
        registry: new CommandRegistry([...COMMAND_REGISTRY.commands, sketch]),
      }),
  });
  ({ discord, telegram } = platforms);
}, 60_000);

afterAll(async () => {
  await platforms?.stop();
});

const textOf = (params: Record<string, unknown>) => String(params.text ?? '');

describe('a command added by its spec alone', { timeout: 30_000 }, () => {
  it('is registered on Discord with its options and limits', async () => {
    const put = await discord.waitForCall('PUT /applications/:app/commands');
    const body = put.body as Array<{ name: string; options?: Array<Record<string, unknown>> }>;
    const registered = body.find((c) => c.name === 'sketch');
    expect(registered?.options).toEqual([
      expect.objectContaining({ name: 'subject', type: 3, required: true, max_length: 200 }),
      expect.objectContaining({ name: 'strokes', type: 4, required: false, min_value: 1, max_value: 9 }),
      expect.objectContaining({
        name: 'mood',
        type: 3,
        choices: [
          { name: 'calm', value: 'calm' },
          { name: 'wild', value: 'wild' },
        ],
      }),
    ]);
  });

  it('is in Telegram’s command menu for every language', async () => {
    const languages = SUPPORTED_LOCALES.map((locale) => PLATFORM_TAGS[locale].telegram ?? '');
    await telegram.waitForCalls('setMyCommands', languages.length);
    for (const language of languages) {
      expect(telegram.commands(language)?.map((c: { command: string }) => c.command)).toContain('sketch');
    }
  });

  it('runs from a slash interaction, its options collected from the spec', async () => {
    const ix = discord.dispatchInteraction(
      discord.build.slashCommand({
        name: 'sketch',
        options: { subject: 'a heron', strokes: 3, mood: 'calm' },
      }),
    );
    const answer = await discord.waitForCall(discord.answerOf(ix));
    expect(JSON.stringify(answer.body)).toContain('/sketch — a heron|3|calm');
  });

  it('is parsed from typed text, validated against its schema, and listed in /help', async () => {
    telegram.injectText('/sketch a quiet pond --strokes 4 --mood Wild');
    await telegram.waitForCall(
      (c) => c.method === 'sendMessage' && textOf(c.params).includes('/sketch — a quiet pond|4|wild'),
    );
    telegram.injectText('/sketch a pond --strokes 12');
    await telegram.waitForCall(
      (c) =>
        c.method === 'sendMessage' && /strokes must be a whole number from 1 to 9/.test(textOf(c.params)),
    );
    telegram.injectText('/help');
    await telegram.waitForCall((c) => c.method === 'sendMessage' && textOf(c.params).includes('/sketch —'));
  });
});
