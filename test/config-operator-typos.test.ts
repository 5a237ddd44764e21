// What a self-hoster types into .env, the environment or a compose file by mistake: each refused at start in one line
// that names the variable and the mistake, never with a secret's value, never with a stack trace.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import dotenv from 'dotenv';
import { describe, expect, it } from 'vitest';
import { loadConfig, loadConfigOrReport, secretsOf } from '../src/config/index.js';
import { problemsOf } from './config-problems.js';

const DISCORD_TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.operatorTypoSecretValue';

/** What `npm start` writes for `env` (loadConfigOrReport), which must be one problem line per variable. */
function reportOf(env: Record<string, string>): string {
  let text = '';
  expect(loadConfigOrReport((t) => (text += t), env)).toBeUndefined();
  return text;
}

const QUOTED =
  'is wrapped in quotes, which are read as part of the value (docker --env-file and compose environment: keep them, .env takes off one pair): remove them';

describe('quotes kept around a value (docker --env-file, compose environment:, Kubernetes)', () => {
  it('are named as the mistake where a value never holds quotes, for a token without its value', () => {
    expect(problemsOf({ DISCORD_TOKEN: `"${DISCORD_TOKEN}"` })).toEqual([
      { variable: 'DISCORD_TOKEN', problem: QUOTED },
    ]);
    expect(reportOf({ DISCORD_TOKEN: `'${DISCORD_TOKEN}'` })).not.toContain('operatorTypoSecretValue');
    // Unquoted, the folder would be one literally named "./data" under the working directory.
    expect(problemsOf({ DATA_DIR: '"./data"' })).toEqual([{ variable: 'DATA_DIR', problem: QUOTED }]);
    expect(problemsOf({ DISCORD_ALLOW_DMS: "'false'" })[0]?.problem).toBe(QUOTED);
    expect(problemsOf({ TELEGRAM_WEBHOOK_SECRET: '"abc"' })[0]?.problem).toBe(QUOTED);
  });

  it('in .env, quotes inside quotes are named without claiming .env took them off', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dimoo-quoted-env-'));
    const path = join(dir, '.env');
    writeFileSync(path, `DISCORD_TOKEN='"${DISCORD_TOKEN}"'\nWEB_ACCESS_TOKEN='"hunter2"'\n`);
    const fromFile = dotenv.parse(readFileSync(path));
    expect(problemsOf(fromFile)).toEqual([{ variable: 'DISCORD_TOKEN', problem: QUOTED }]);
    expect(QUOTED).not.toMatch(/outside a \.env file/);
  });

  it('free text (an access token made up by the operator, blocked words) is taken as given, with a warning', () => {
    const config = loadConfig({ WEB_ACCESS_TOKEN: '"hunter2"', BLOCKED_WORDS: "'tis, nothin'" });
    expect(config.web.accessToken).toBe('"hunter2"');
    expect(config.limits.blockedWords).toEqual(["'tis", "nothin'"]);
    expect(config.warnings).toEqual([
      'WEB_ACCESS_TOKEN is wrapped in quotes, which are kept as part of its value (docker --env-file and compose environment: keep them, .env takes off one pair): remove them unless they belong to it',
      'BLOCKED_WORDS is wrapped in quotes, which are kept as part of its value (docker --env-file and compose environment: keep them, .env takes off one pair): remove them unless they belong to it',
    ]);
    expect(JSON.stringify(config.warnings)).not.toContain('hunter2');
    // Its secret stays hidden: the scrubber gets the value as read, quotes and all.
    expect(secretsOf(config)).toContain('"hunter2"');
  });
});

describe('DISCORD_TOKEN pasted with more than the token', () => {
  it('"Bot " in front, or a space inside, is refused with the value hidden', () => {
    const bot = problemsOf({ DISCORD_TOKEN: `Bot ${DISCORD_TOKEN}` });
    expect(bot).toEqual([
      {
        variable: 'DISCORD_TOKEN',
        problem:
          'is invalid: must be the token alone, without "Bot " in front (discord.js adds it) (value hidden)',
      },
    ]);
    expect(problemsOf({ DISCORD_TOKEN: `${DISCORD_TOKEN} x` })[0]?.problem).toMatch(/no spaces inside/);
    expect(reportOf({ DISCORD_TOKEN: `Bot ${DISCORD_TOKEN}` })).not.toContain('operatorTypoSecretValue');
    // A trailing newline is only trimmed; any other single word is the token (its shape is Discord's).
    expect(loadConfig({ DISCORD_TOKEN: `${DISCORD_TOKEN}\n` }).discord.token).toBe(DISCORD_TOKEN);
    expect(loadConfig({ DISCORD_TOKEN: 'bot-token-like-word' }).discord.token).toBe('bot-token-like-word');
  });
});

describe('id lists written with spaces or semicolons', () => {
  it.each([
    ['DISCORD_GUILD_IDS', '123456789012345678 234567890123456789'],
    ['DISCORD_ADMIN_ROLE_IDS', '123456789012345678;234567890123456789'],
    ['TELEGRAM_CHAT_IDS', '-1001234567890; 42'],
    ['ADMIN_IDS', 'discord:123 telegram:456'],
  ])('%s=%s says to separate them with commas', (variable, value) => {
    expect(problemsOf({ [variable]: value })).toEqual([
      { variable, problem: 'separate the entries with commas (,), not spaces or semicolons' },
    ]);
  });

  it('a Telegram chat id too large to be read as itself is refused', () => {
    expect(problemsOf({ TELEGRAM_CHAT_IDS: '99999999999999999999' })[0]?.problem).toMatch(/Telegram chat id/);
    expect(loadConfig({ TELEGRAM_CHAT_IDS: '-1001234567890,42' }).telegram.chatIds).toEqual([
      -1001234567890, 42,
    ]);
  });
});

describe('one line per variable', () => {
  it('a value that breaks several rules, or a list with several bad entries, is named once', () => {
    expect(problemsOf({ DISCORD_NOTIFY_AFTER_S: '99999999999999999999' })).toHaveLength(1);
    expect(problemsOf({ DISCORD_GUILD_IDS: 'abc,def' })).toHaveLength(1);
    expect(reportOf({ TELEGRAM_CHAT_IDS: '@a,@b', DISCORD_GUILD_IDS: 'x,y' })).toMatch(
      /^Invalid configuration \(2 problems\)/,
    );
  });
});

describe('folders a shell would have expanded', () => {
  it('~ and $VARIABLES in DATA_DIR or MODEL_DIR are refused, not made into folders named so', () => {
    expect(problemsOf({ DATA_DIR: '~/dimoo-data' })).toEqual([
      {
        variable: 'DATA_DIR',
        problem: `must be a whole path: ~ is not expanded here (your home folder is ${homedir()}); a folder of that name in the working directory is written ./~/dimoo-data`,
      },
    ]);
    expect(problemsOf({ DATA_DIR: '~' })[0]?.problem).toMatch(/is written \.\/~$/);
    expect(problemsOf({ MODEL_DIR: '~alice/models' })[0]?.problem).toMatch(/is written \.\/~alice\/models$/);
    expect(loadConfig({ DATA_DIR: './~alice' }).dataDir).toBe(resolve('./~alice'));
    expect(problemsOf({ MODEL_DIR: '$HOME/models/Lumina-DiMOO' })).toEqual([
      { variable: 'MODEL_DIR', problem: 'must be a whole path: $VARIABLES are not expanded here' },
    ]);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the operator's literal text, as a shell would read it.
    expect(problemsOf({ MODEL_DIR: '${HOME}/m' })[0]?.variable).toBe('MODEL_DIR');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the operator's literal text, as a shell would read it.
    expect(problemsOf({ DATA_DIR: '/srv/${USER:-bot}/data' })[0]?.variable).toBe('DATA_DIR');
    expect(problemsOf({ DATA_DIR: '/srv/$_x1/data' })[0]?.variable).toBe('DATA_DIR');
    expect(loadConfig({ MODEL_DIR: '/srv/a~b' }).modelDir).toBe('/srv/a~b');
  });

  it('a $ that starts no variable name is part of the folder (a CIFS admin share)', () => {
    expect(loadConfig({ DATA_DIR: '/mnt/share$/dimoo' }).dataDir).toBe('/mnt/share$/dimoo');
    expect(loadConfig({ MODEL_DIR: '/mnt/c$/models/$1-$' }).modelDir).toBe('/mnt/c$/models/$1-$');
  });
});

describe('DEFAULT_LOCALE not shipped as written', () => {
  it('names the locale that was likely meant', () => {
    const list = 'must be one of en, zh-CN, ja, ko, es, fr, de, pt-BR, ru';
    expect(problemsOf({ DEFAULT_LOCALE: 'pt' })).toEqual([
      { variable: 'DEFAULT_LOCALE', problem: `${list} (did you mean pt-BR?)` },
    ]);
    expect(problemsOf({ DEFAULT_LOCALE: 'pt_BR' })[0]?.problem).toBe(`${list} (did you mean pt-BR?)`);
    expect(problemsOf({ DEFAULT_LOCALE: 'zh' })[0]?.problem).toBe(`${list} (did you mean zh-CN?)`);
    expect(problemsOf({ DEFAULT_LOCALE: 'it' })[0]?.problem).toBe(list);
    expect(loadConfig({ DEFAULT_LOCALE: 'pt-BR' }).defaultLocale).toBe('pt-BR');
  });
});

describe('QUEUE_URL that Node cannot parse', () => {
  it('is a configuration problem, not a TypeError whose stack trace quotes the password', () => {
    for (const url of ['redis://:hunter2secretpw@', 'rediss://:hunter2secretpw', 'redis://[::1']) {
      const text = reportOf({ QUEUE_URL: url });
      expect(text).toMatch(/QUEUE_URL: must be a redis:\/\/ or rediss:\/\/ URL/);
      expect(text).not.toContain('hunter2secretpw');
    }
  });
});

describe('BLOCKED_WORDS written with semicolons', () => {
  it('is refused: `gore;nsfw` would be one word, matched as written, blocking neither', () => {
    expect(problemsOf({ BLOCKED_WORDS: 'gore;nsfw' })).toEqual([
      { variable: 'BLOCKED_WORDS', problem: 'separate the words with commas (,), not semicolons' },
    ]);
    expect(loadConfig({ BLOCKED_WORDS: 'gore, bad word' }).limits.blockedWords).toEqual(['gore', 'bad word']);
  });
});

describe("other bots' names for the bot's variables", () => {
  it('are named with the variable meant, never with their value', () => {
    const config = loadConfig({ LOCALE: 'pt-BR', GUILD_IDS: '123456789012345678', ADMINS: 'telegram:42' });
    expect(config.warnings).toEqual([
      'ADMINS is not a dimoo-bot variable and is ignored (did you mean ADMIN_IDS?)',
      'GUILD_IDS is not a dimoo-bot variable and is ignored (did you mean DISCORD_GUILD_IDS?)',
      'LOCALE is not a dimoo-bot variable and is ignored (did you mean DEFAULT_LOCALE?)',
    ]);
    expect(JSON.stringify(config.warnings)).not.toContain('telegram:42');
  });
});

describe('a host written with its port', () => {
  it.each([
    ['DISCORD_INTERACTIONS_HOST', '0.0.0.0:8080', 'DISCORD_INTERACTIONS_PORT'],
    ['WEB_HOST', 'localhost:8080', 'WEB_PORT'],
    ['METRICS_HOST', '[::1]:9464', 'METRICS_PORT'],
    ['TELEGRAM_WEBHOOK_HOST', '127.0.0.1:8443', 'TELEGRAM_WEBHOOK_PORT'],
  ])('%s=%s names the port variable', (variable, value, portVariable) => {
    expect(problemsOf({ [variable]: value })).toEqual([
      { variable, problem: `must be the host alone: its port goes in ${portVariable}` },
    ]);
  });

  it('IPv6 addresses, with their colons, are still hosts', () => {
    expect(loadConfig({ WEB_HOST: '::1' }).web.host).toBe('::1');
    expect(loadConfig({ METRICS_HOST: '2001:db8::1' }).metrics.host).toBe('2001:db8::1');
  });
});

describe('TELEGRAM_TOKEN copied from an API URL', () => {
  it('keeps its `bot` in front: said as such, with the value hidden', () => {
    const token = '123456789:AAHtelegramTypoValue_abcdefghijk';
    expect(problemsOf({ TELEGRAM_TOKEN: `bot${token}` })).toEqual([
      {
        variable: 'TELEGRAM_TOKEN',
        problem:
          'is invalid: must be the token alone, without "bot" in front (as in API URLs) (value hidden)',
      },
    ]);
    expect(reportOf({ TELEGRAM_TOKEN: `bot${token}` })).not.toContain('telegramTypoValue');
    expect(loadConfig({ TELEGRAM_TOKEN: token }).telegram.token).toBe(token);
  });
});
