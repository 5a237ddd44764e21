// `npm start` with what an operator mistypes in its configuration: one message naming each variable, exit 1, no
// stack trace, and no secret anywhere in what it wrote.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runToEnd } from './npm-start.js';

/** `npm start` on the CPU with `env` (and PATH), run to its end. */
const npmStart = (env: Record<string, string>) => runToEnd({ DEVICE: 'cpu', ...env });

it('a password in a QUEUE_URL Node cannot parse, and quoted or prefixed tokens, are named, never printed', async () => {
  const data = mkdtempSync(join(tmpdir(), 'dimoo-start-typos-'));
  const { code, stdout, stderr } = await npmStart({
    DATA_DIR: data,
    QUEUE_URL: 'redis://:queuePasswordTypo7@',
    DISCORD_TOKEN: 'Bot discordTokenTypo7.abc.def',
    TELEGRAM_TOKEN: '"123456789:telegramTokenTypo7_abcdefghijkl"',
  });
  expect(code).toBe(1);
  const all = stdout + stderr;
  expect(all).not.toMatch(/\bat .*:\d+/);
  for (const secret of ['queuePasswordTypo7', 'discordTokenTypo7', 'telegramTokenTypo7'])
    expect(all).not.toContain(secret);
  expect(stderr.trim().split('\n')).toEqual([
    'Invalid configuration (3 problems):',
    '  - TELEGRAM_TOKEN: is wrapped in quotes, which are read as part of the value (docker --env-file and compose environment: keep them, .env takes off one pair): remove them',
    '  - DISCORD_TOKEN: is invalid: must be the token alone, without "Bot " in front (discord.js adds it) (value hidden)',
    '  - QUEUE_URL: must be a redis:// or rediss:// URL',
    'Fix these in your environment or .env file (see .env.example for every variable and its default).',
  ]);
  // Refused before anything was made.
  expect(readdirSync(data)).toEqual([]);
}, 30_000);
