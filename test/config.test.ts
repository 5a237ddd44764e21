import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import dotenv from 'dotenv';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, SECRET_VARIABLES, secretsOf } from '../src/config/index.js';
import { envSchema } from '../src/config/schema.js';

const TELEGRAM_TOKEN = '123456789:AAExampleExampleExampleExample_-xyz';

function problemsOf(env: Record<string, string>): Array<{ variable: string; problem: string }> {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

function problemFor(variable: string, value: string): string | undefined {
  return problemsOf({ [variable]: value }).find((p) => p.variable === variable)?.problem;
}

describe('loadConfig defaults', () => {
  it('an empty environment gives a complete config with the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toEqual({
      discord: {
        token: undefined,
        appId: undefined,
        guildIds: [],
        adminRoleIds: [],
        allowDms: true,
        notifyAfterMs: 60_000,
      },
      telegram: {
        token: undefined,
        webhookUrl: undefined,
        webhookSecret: undefined,
        chatIds: [],
        webhookHost: '127.0.0.1',
        webhookPort: 8443,
        webhookPath: '/',
      },
      modelDir: undefined,
      device: 'auto',
      quant: 'none',
      precision: 'auto',
      mlCachePath: 'loop',
      describeCache: true,
      dataDir: resolve('./data'),
      web: { host: '127.0.0.1', port: undefined, accessToken: undefined },
      adminIds: [],
      logLevel: 'info',
      defaultLocale: 'en',
      queue: {
        maxPerUser: 3,
        maxRunningPerUser: 1,
        maxBatch: 0,
        maxPerScope: 20,
        maxTotal: 200,
        jobTimeoutMs: 900_000,
        shutdownGraceMs: 10_000,
      },
      metrics: { host: '127.0.0.1' },
      limits: {
        rateLimitPerMinute: 6,
        maxInputBytes: 20 * 1024 * 1024,
        maxInputPixels: 40_000_000,
        blockedWords: [],
      },
    });
  });

  it('the GPU settings: precision, and a device memory budget in GB turned into bytes', () => {
    const config = loadConfig({ PRECISION: 'fp32', DEVICE_MEMORY_GB: '23.5', QUANT: 'int4' });
    expect(config).toMatchObject({ precision: 'fp32', quant: 'int4', deviceMemoryBytes: 23_500_000_000 });
    expect(loadConfig({}).deviceMemoryBytes).toBeUndefined();
    expect(problemFor('PRECISION', 'fp8')).toBe('must be one of auto, fp16, fp32');
    expect(problemFor('DEVICE_MEMORY_GB', 'lots')).toMatch(/number of gigabytes/);
    expect(problemFor('DEVICE_MEMORY_GB', '0')).toMatch(/above 0/);
  });

  it('empty and blank values count as unset', () => {
    expect(loadConfig({ DEVICE: '', WEB_PORT: '  ', DISCORD_TOKEN: '' })).toEqual(loadConfig({}));
  });

  it('valid values are typed and converted', () => {
    const config = loadConfig({
      DEVICE: 'cuda',
      WEB_PORT: '8080',
      JOB_TIMEOUT_S: '60',
      MAX_INPUT_MB: '5',
      MODEL_DIR: 'models/dimoo',
      DATA_DIR: '/var/lib/dimoo',
      LOG_LEVEL: 'debug',
      DEFAULT_LOCALE: 'zh-CN',
      TELEGRAM_TOKEN,
      TELEGRAM_WEBHOOK_URL: 'https://bot.example.org/telegram',
      TELEGRAM_WEBHOOK_SECRET: 'hook_secret-1',
    });
    expect(config.device).toBe('cuda');
    expect(config.web.port).toBe(8080);
    expect(config.queue.jobTimeoutMs).toBe(60_000);
    expect(config.limits.maxInputBytes).toBe(5 * 1024 * 1024);
    expect(config.modelDir).toBe(resolve('models/dimoo'));
    expect(config.dataDir).toBe('/var/lib/dimoo');
    expect(config.logLevel).toBe('debug');
    expect(config.defaultLocale).toBe('zh-CN');
    expect(config.telegram).toEqual({
      token: TELEGRAM_TOKEN,
      webhookUrl: 'https://bot.example.org/telegram',
      webhookSecret: 'hook_secret-1',
      chatIds: [],
      webhookHost: '127.0.0.1',
      webhookPort: 8443,
      // The path the proxy forwards defaults to the public URL's path.
      webhookPath: '/telegram',
    });
  });

  it('the webhook listener can be moved behind a proxy that rewrites the path', () => {
    const config = loadConfig({
      TELEGRAM_TOKEN,
      TELEGRAM_WEBHOOK_URL: 'https://bot.example.org/telegram',
      TELEGRAM_WEBHOOK_SECRET: 'hook_secret-1',
      TELEGRAM_WEBHOOK_HOST: '0.0.0.0',
      TELEGRAM_WEBHOOK_PORT: '9000',
      TELEGRAM_WEBHOOK_PATH: '/hooks/tg',
      TELEGRAM_CHAT_IDS: '-1001234567890, 42',
    });
    expect(config.telegram.chatIds).toEqual([-1001234567890, 42]);
    expect(config.telegram).toMatchObject({
      webhookHost: '0.0.0.0',
      webhookPort: 9000,
      webhookPath: '/hooks/tg',
    });
  });
});

describe('lists', () => {
  it('split on commas, trim, and drop empty entries', () => {
    const config = loadConfig({
      DISCORD_GUILD_IDS: ' 123456789012345678 ,, 987654321098765432,',
      ADMIN_IDS: 'telegram:42, discord:1234567890123456789 ',
      BLOCKED_WORDS: 'Gore, NSFW ,',
    });
    expect(config.discord.guildIds).toEqual(['123456789012345678', '987654321098765432']);
    expect(config.adminIds).toEqual(['telegram:42', 'discord:1234567890123456789']);
    expect(config.limits.blockedWords).toEqual(['gore', 'nsfw']);
  });

  it('Discord admin roles are snowflakes', () => {
    const config = loadConfig({ DISCORD_ADMIN_ROLE_IDS: '223456789012345678, 323456789012345678' });
    expect(config.discord.adminRoleIds).toEqual(['223456789012345678', '323456789012345678']);
    expect(problemFor('DISCORD_ADMIN_ROLE_IDS', 'moderators')).toMatch(/snowflake/);
  });

  it('a guild list names the entry that is not a snowflake', () => {
    expect(problemFor('DISCORD_GUILD_IDS', '123456789012345678,abc')).toMatch(/snowflake/);
  });
});

describe('switches', () => {
  it('DISCORD_ALLOW_DMS reads the usual words for yes and no, and defaults to on', () => {
    for (const word of ['false', 'OFF', '0', 'no']) {
      expect(loadConfig({ DISCORD_ALLOW_DMS: word }).discord.allowDms).toBe(false);
    }
    for (const word of ['true', 'On', '1', 'yes', '']) {
      expect(loadConfig({ DISCORD_ALLOW_DMS: word }).discord.allowDms).toBe(true);
    }
    expect(problemFor('DISCORD_ALLOW_DMS', 'maybe')).toMatch(/true or false/);
    // Describe's block cache is on unless turned off.
    expect(loadConfig({ DESCRIBE_CACHE: 'off' }).describeCache).toBe(false);
    expect(problemFor('DESCRIBE_CACHE', 'fast')).toMatch(/true or false/);
  });

  it('DISCORD_NOTIFY_AFTER_S is whole seconds from 0 to a day, in milliseconds', () => {
    expect(loadConfig({ DISCORD_NOTIFY_AFTER_S: '30' }).discord.notifyAfterMs).toBe(30_000);
    expect(loadConfig({ DISCORD_NOTIFY_AFTER_S: '0' }).discord.notifyAfterMs).toBe(0);
    for (const bad of ['-1', '1.5', '86401', 'soon'])
      expect(problemFor('DISCORD_NOTIFY_AFTER_S', bad)).toBeDefined();
  });
});

describe('Discord HTTP interactions', () => {
  const key = 'a'.repeat(64);
  it('are on when a port and the public key are set, with loopback as the default interface', () => {
    expect(loadConfig({}).discord.interactions).toBeUndefined();
    expect(
      loadConfig({ DISCORD_INTERACTIONS_PORT: '8443', DISCORD_PUBLIC_KEY: key }).discord.interactions,
    ).toEqual({ host: '127.0.0.1', port: 8443, publicKey: key });
  });

  it('a port without the public key, or a key that is not 64 hex characters, is refused', () => {
    expect(problemsOf({ DISCORD_INTERACTIONS_PORT: '8443' })).toEqual([
      expect.objectContaining({ variable: 'DISCORD_PUBLIC_KEY', problem: expect.stringMatching(/required/) }),
    ]);
    expect(problemFor('DISCORD_PUBLIC_KEY', 'xyz')).toMatch(/64 hex/);
  });
});

describe('each variable is validated', () => {
  const invalid: Array<[string, string, RegExp]> = [
    ['DEVICE', 'tpu', /auto, cuda, cpu/],
    ['DIMOO_ML_CACHE_PATH', 'scan', /loop, per-step, in-graph/],
    ['ADMIN_IDS', 'discord:123,42', /platform:id/],
    ['ADMIN_IDS', 'slack:42', /platform:id/],
    ['WEB_PORT', 'abc', /port number from 1 to 65535/],
    ['WEB_PORT', '0', /port number/],
    ['WEB_PORT', '70000', /port number/],
    ['WEB_PORT', '80.5', /port number/],
    ['DISCORD_APP_ID', '12ab', /snowflake/],
    ['TELEGRAM_TOKEN', 'not-a-token', /@BotFather/],
    ['TELEGRAM_WEBHOOK_URL', 'http://bot.example.org/hook', /https/],
    ['TELEGRAM_WEBHOOK_URL', 'not a url', /https/],
    ['TELEGRAM_WEBHOOK_SECRET', 'has spaces in it', /A–Z/],
    ['TELEGRAM_WEBHOOK_PORT', '0', /port number/],
    ['TELEGRAM_CHAT_IDS', '-100123, @mygroup', /Telegram chat id/],
    ['TELEGRAM_WEBHOOK_PATH', 'no-slash', /starting with \//],
    ['LOG_LEVEL', 'verbose', /fatal, error, warn, info, debug, trace, silent/],
    ['DEFAULT_LOCALE', 'it', /en, zh-CN/],
    ['QUEUE_MAX_PER_USER', '0', /at least 1/],
    ['QUEUE_MAX_RUNNING_PER_USER', 'two', /whole number/],
    ['QUEUE_MAX_PER_SCOPE', '1.5', /whole number/],
    ['QUEUE_MAX_TOTAL', '100001', /at most 100000/],
    ['JOB_TIMEOUT_S', '5', /at least 10/],
    ['RATE_LIMIT_PER_MINUTE', '-1', /at least 0/],
    ['MAX_INPUT_MB', '101', /at most 100/],
    ['MAX_INPUT_PIXELS', '1000', /at least 65536/],
  ];
  it.each(invalid)('%s=%s is refused', (variable, value, message) => {
    expect(problemFor(variable, value)).toMatch(message);
  });

  it('a webhook URL without its secret is refused, naming the missing secret', () => {
    expect(problemsOf({ TELEGRAM_WEBHOOK_URL: 'https://bot.example.org/hook' })).toEqual([
      { variable: 'TELEGRAM_WEBHOOK_SECRET', problem: 'is required when TELEGRAM_WEBHOOK_URL is set' },
    ]);
  });
});

describe('ConfigError', () => {
  it('lists every bad variable in one error', () => {
    let error: unknown;
    try {
      loadConfig({ DEVICE: 'tpu', WEB_PORT: 'abc', TELEGRAM_WEBHOOK_URL: 'https://x.example/hook' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems.map((p) => p.variable).sort()).toEqual(['DEVICE', 'TELEGRAM_WEBHOOK_SECRET', 'WEB_PORT']);
    expect(message).toMatch(/3 problems/);
    expect(message).toMatch(/DEVICE: must be one of auto, cuda, cpu/);
    expect(message).toMatch(/WEB_PORT: must be a port number/);
    expect(message).toMatch(/\.env\.example/);
  });

  it('never contains a secret value, even the bad value of a secret variable', () => {
    const badToken = 'definitely-not-valid-secret-98765';
    let error: unknown;
    try {
      loadConfig({ TELEGRAM_TOKEN: badToken, TELEGRAM_WEBHOOK_SECRET: `${badToken} x`, DEVICE: 'tpu' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = `${(error as Error).message}\n${JSON.stringify((error as ConfigError).problems)}\n${(error as Error).stack}`;
    expect(text).toContain('TELEGRAM_TOKEN');
    expect(text).toContain('TELEGRAM_WEBHOOK_SECRET');
    expect(text).toContain('value hidden');
    expect(text).not.toContain(badToken);
  });
});

describe('secretsOf', () => {
  it('returns the value of every secret variable that is set, for the logger to scrub', () => {
    const env = {
      DISCORD_TOKEN: 'discord-secret-value',
      TELEGRAM_TOKEN,
      TELEGRAM_WEBHOOK_URL: 'https://bot.example.org/hook',
      TELEGRAM_WEBHOOK_SECRET: 'webhook-secret-value',
      WEB_ACCESS_TOKEN: 'web-access-secret',
    };
    expect(Object.keys(env).filter((k) => k !== 'TELEGRAM_WEBHOOK_URL')).toEqual([...SECRET_VARIABLES]);
    expect(secretsOf(loadConfig(env)).sort()).toEqual(SECRET_VARIABLES.map((k) => env[k]).sort());
    expect(secretsOf(loadConfig({}))).toEqual([]);
  });
});

describe('QUEUE_URL', () => {
  it('makes this process part of a shared queue, with the password in the URL scrubbed from logs', () => {
    const config = loadConfig({ QUEUE_URL: 'redis://:hunter2-pass@10.0.0.1:6379', QUEUE_PREFIX: 'bot2' });
    expect(config.distributed).toEqual({ url: 'redis://:hunter2-pass@10.0.0.1:6379', prefix: 'bot2' });
    expect(secretsOf(config)).toEqual(['hunter2-pass']);
    expect(loadConfig({}).distributed).toBeUndefined();
  });

  it('refuses anything but a redis:// or rediss:// URL', () => {
    expect(() => loadConfig({ QUEUE_URL: 'http://10.0.0.1:6379' })).toThrow(/QUEUE_URL: must be a redis/);
  });
});

describe('.env.example', () => {
  const text = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
  const example = dotenv.parse(text);

  it('documents every schema variable and nothing else', () => {
    expect(Object.keys(example).sort()).toEqual(Object.keys(envSchema.shape).sort());
  });

  it('explains every variable in a comment right above it', () => {
    const lines = text.split('\n');
    for (const name of Object.keys(example)) {
      const at = lines.findIndex((l) => l.startsWith(`${name}=`));
      expect(lines[at - 1], name).toMatch(/^# \S/);
    }
  });

  it('shows the real defaults: loading it as-is equals loading nothing', () => {
    expect(loadConfig(example)).toEqual(loadConfig({}));
  });
});

describe('README configuration table', () => {
  it('has one row per schema variable', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const rows = [...readme.matchAll(/^\| `([A-Z][A-Z0-9_]*)` +\|/gm)].map((m) => m[1]);
    expect(rows.sort()).toEqual(Object.keys(envSchema.shape).sort());
  });
});
