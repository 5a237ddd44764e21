import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import dotenv from 'dotenv';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { command as configCommand } from '../src/cli/config-command.js';
import {
  ConfigError,
  loadConfig,
  loadConfigOrReport,
  SECRET_VARIABLES,
  secretsOf,
} from '../src/config/index.js';
import { envSchema } from '../src/config/schema.js';
import { BOT_PREFIXES, READ_ELSEWHERE, unknownVariables } from '../src/config/unknown-variables.js';
import { createLogger } from '../src/log.js';
import { BotMetrics } from '../src/ops/metrics.js';
import { startOps } from '../src/services.js';
import { problemsOf } from './config-problems.js';

const TELEGRAM_TOKEN = '123456789:AAExampleExampleExampleExample_-xyz';

function problemFor(variable: string, value: string): string | undefined {
  return problemsOf({ [variable]: value }).find((p) => p.variable === variable)?.problem;
}

describe('loadConfig defaults', () => {
  it('an empty environment gives a complete config with the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toEqual({
      discord: {
        token: undefined,
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
      resultRetentionDays: 30,
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
        maxInputPixels: 16_777_216,
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

describe('a playground beyond loopback', () => {
  it('needs WEB_ACCESS_TOKEN, said at start-up before the model loads', () => {
    expect(problemsOf({ WEB_HOST: '0.0.0.0' })).toEqual([
      {
        variable: 'WEB_ACCESS_TOKEN',
        problem: expect.stringMatching(/required when WEB_HOST \(0\.0\.0\.0\)/),
      },
    ]);
    expect(problemsOf({ WEB_HOST: '192.168.1.5', WEB_PORT: '8080', TELEGRAM_TOKEN })).toEqual([
      expect.objectContaining({ variable: 'WEB_ACCESS_TOKEN' }),
    ]);
    expect(loadConfig({ WEB_HOST: '0.0.0.0', WEB_ACCESS_TOKEN: 'tok-tok-tok' }).web.host).toBe('0.0.0.0');
  });

  it('is no problem on loopback, nor where no playground runs (a platform token and no WEB_PORT)', () => {
    for (const host of ['127.0.0.1', '127.0.1.1', 'localhost', '::1'])
      expect(loadConfig({ WEB_HOST: host }).web.host, host).toBe(host);
    expect(loadConfig({ WEB_HOST: '0.0.0.0', TELEGRAM_TOKEN }).web.host).toBe('0.0.0.0');
  });

  it('an invalid WEB_HOST is named once, by its own rule', () => {
    expect(problemsOf({ WEB_HOST: 'my host' }).map((p) => p.variable)).toEqual(['WEB_HOST']);
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

  it('a Kubernetes service link in a port variable is refused with why it is there and what to change', () => {
    const hint = (service: string) =>
      `must be a port number from 1 to 65535, not a URL: it looks like a Kubernetes service link (a Service named \`${service}\` sets it); set enableServiceLinks: false in the pod spec, or rename that Service`;
    expect(problemsOf({ WEB_PORT: 'tcp://10.0.0.1:8080' })).toEqual([
      { variable: 'WEB_PORT', problem: hint('web') },
    ]);
    expect(problemsOf({ METRICS_PORT: 'tcp://10.96.0.12:9464' })).toEqual([
      { variable: 'METRICS_PORT', problem: hint('metrics') },
    ]);
    expect(problemFor('TELEGRAM_WEBHOOK_PORT', 'tcp://10.0.0.7:8443')).toBe(hint('telegram-webhook'));
    // Any other bad value keeps the plain rule.
    expect(problemFor('WEB_PORT', 'http://example.org:80/')).toBe('must be a port number from 1 to 65535');
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

describe('secrets the operator makes up', () => {
  it('refuses WEB_ACCESS_TOKEN and TELEGRAM_WEBHOOK_SECRET shorter than 8 characters, one line each', () => {
    let report = '';
    loadConfigOrReport((text) => (report += text), {
      WEB_ACCESS_TOKEN: 'hunter2',
      TELEGRAM_WEBHOOK_URL: 'https://bot.example.org/hook',
      TELEGRAM_WEBHOOK_SECRET: 'abc_1',
    });
    const line =
      'is invalid: must be at least 8 characters, e.g. made with: openssl rand -hex 16 (value hidden)';
    expect(report).toContain(`  - WEB_ACCESS_TOKEN: ${line}\n`);
    expect(report).toContain(`  - TELEGRAM_WEBHOOK_SECRET: ${line}\n`);
    expect(report).not.toContain('hunter2');
    expect(report).not.toContain('abc_1');
    expect(loadConfig({ WEB_ACCESS_TOKEN: 'hunter22' }).web.accessToken).toBe('hunter22');
  });

  it('judges a webhook secret only where it is used: an old short one beside long polling still starts', () => {
    expect(loadConfig({ TELEGRAM_WEBHOOK_SECRET: 'abc_1' }).telegram.webhookSecret).toBe('abc_1');
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

  it('lists a percent-escaped password both as written and as sent to Redis', () => {
    const config = loadConfig({ QUEUE_URL: 'redis://bob:p%40s@10.0.0.1:6379' });
    expect(secretsOf(config)).toEqual(['p%40s', 'p@s']);
  });

  it('scrubs a password given in the query string too, as ioredis takes it from there', () => {
    const config = loadConfig({ QUEUE_URL: 'redis://10.0.0.1:6379/0?password=q%2Bpass-word-1&db=0' });
    expect(secretsOf(config).sort()).toEqual(['q%2Bpass-word-1', 'q+pass-word-1']);
    expect(config.warnings).toBeUndefined();
  });

  it('warns, naming no value, when the password is shorter than 8 characters', () => {
    for (const url of ['redis://:short@10.0.0.1:6379', 'redis://10.0.0.1:6379?password=short']) {
      const config = loadConfig({ QUEUE_URL: url });
      expect(config.warnings, url).toEqual([
        "QUEUE_URL's password is shorter than 8 characters: anyone who reaches this Redis may guess it",
      ]);
    }
    expect(loadConfig({ QUEUE_URL: 'redis://:long-enough@10.0.0.1:6379' }).warnings).toBeUndefined();
  });

  it('refuses anything but a redis:// or rediss:// URL', () => {
    expect(() => loadConfig({ QUEUE_URL: 'http://10.0.0.1:6379' })).toThrow(/QUEUE_URL: must be a redis/);
  });

  it('refuses a URL without a host (ioredis would quietly use localhost), in the one-line-per-variable report', () => {
    for (const url of ['redis://', 'redis:///0', 'rediss://', 'redis:6379']) {
      let report = '';
      expect(
        loadConfigOrReport((text) => (report += text), { QUEUE_URL: url }),
        url,
      ).toBeUndefined();
      expect(report).toContain('  - QUEUE_URL: must name the Redis host, e.g. redis://host:6379\n');
    }
    expect(loadConfig({ QUEUE_URL: ' redis://10.0.0.1:6379 ' }).distributed?.url).toBe(
      'redis://10.0.0.1:6379',
    );
  });
});

describe('values are trimmed', () => {
  it('a stray space around a value is dropped, not kept (hosts, paths, words, tokens)', () => {
    const config = loadConfig({
      METRICS_HOST: ' 0.0.0.0',
      METRICS_PORT: ' 9464 ',
      WEB_HOST: '127.0.0.1 ',
      TELEGRAM_WEBHOOK_HOST: ' ::',
      DISCORD_INTERACTIONS_HOST: 'localhost ',
      DATA_DIR: './data ',
      DEVICE: ' cpu',
      TELEGRAM_TOKEN: `${TELEGRAM_TOKEN}\n`,
    });
    expect(config.metrics).toEqual({ host: '0.0.0.0', port: 9464 });
    expect(config.web.host).toBe('127.0.0.1');
    expect(config.telegram.webhookHost).toBe('::');
    expect(config.dataDir).toBe(resolve('./data'));
    expect(config.device).toBe('cpu');
    expect(config.telegram.token).toBe(TELEGRAM_TOKEN);
  });

  it('a host with spaces inside, a scheme or a path is refused', () => {
    for (const value of ['0.0.0.0 :9464', 'http://0.0.0.0', 'host/path'])
      expect(problemFor('METRICS_HOST', value), value).toMatch(/host name or IP address/);
    expect(problemFor('WEB_HOST', 'my host')).toMatch(/host name or IP address/);
  });
});

describe('limits the engine sets', () => {
  it("MAX_INPUT_PIXELS above the engine's largest input is read as that, with a warning", () => {
    const config = loadConfig({ MAX_INPUT_PIXELS: '40000000' });
    expect(config.limits.maxInputPixels).toBe(4096 * 4096);
    expect(config.warnings).toEqual([
      "MAX_INPUT_PIXELS=40000000 is above the engine's largest input image (16777216 pixels, 4096×4096): 16777216 is used",
    ]);
    expect(loadConfig({ MAX_INPUT_PIXELS: '1000000' })).toMatchObject({
      limits: { maxInputPixels: 1_000_000 },
    });
    expect(loadConfig({ MAX_INPUT_PIXELS: '1000000' }).warnings).toBeUndefined();
  });
});

describe('unknown variables', () => {
  const TYPO_VALUE = 'typo-secret-value-4242';

  it('a misspelt variable is named with the closest known one, never with its value', () => {
    const config = loadConfig({ TELEGRAM_TOKE: TYPO_VALUE });
    expect(config.warnings).toEqual([
      'TELEGRAM_TOKE is not a dimoo-bot variable and is ignored (did you mean TELEGRAM_TOKEN?)',
    ]);
    expect(JSON.stringify(config)).not.toContain(TYPO_VALUE);
  });

  it('catches the bot prefixes in any case and near misses of its names, one per variable, by name', () => {
    const env = {
      discord_token: TYPO_VALUE,
      WEB_PORTS: '8080',
      DIMOO_ML_CACHE: 'loop',
      METRICS_ADDR: '0.0.0.0',
      QUEUE_HOST: 'redis',
      MODEL_PATH: '/models',
      SHUTDOWN_GRACE: '20',
      DEVCE: 'cpu',
      log_level: 'debug',
    };
    expect(unknownVariables(env)).toEqual([
      { variable: 'DEVCE', closest: 'DEVICE' },
      { variable: 'DIMOO_ML_CACHE', closest: 'DIMOO_ML_CACHE_PATH' },
      { variable: 'METRICS_ADDR', closest: expect.stringMatching(/^METRICS_/) },
      { variable: 'MODEL_PATH', closest: expect.any(String) },
      { variable: 'QUEUE_HOST', closest: expect.stringMatching(/^QUEUE_/) },
      { variable: 'SHUTDOWN_GRACE', closest: 'SHUTDOWN_GRACE_S' },
      { variable: 'WEB_PORTS', closest: 'WEB_PORT' },
      { variable: 'discord_token', closest: 'DISCORD_TOKEN' },
      { variable: 'log_level', closest: 'LOG_LEVEL' },
    ]);
  });

  it('says nothing about the bot’s own variables, those read elsewhere, or a host’s usual environment', () => {
    const env: Record<string, string> = Object.fromEntries(
      [
        ...Object.keys(envSchema.shape),
        ...READ_ELSEWHERE,
        'PATH',
        'HOME',
        'HOSTNAME',
        'USER',
        'LOGNAME',
        'LANG',
        'TERM',
        'SHELL',
        'PWD',
        'TMPDIR',
        'TZ',
        'CI',
        'NODE_ENV',
        'NODE_VERSION',
        'NODE_OPTIONS',
        'YARN_VERSION',
        'REDIS_URL',
        'E2E_LOG_LEVEL',
        'LD_LIBRARY_PATH',
        'XDG_CACHE_HOME',
        'XDG_DATA_DIRS',
        'CUDA_VERSION',
        'CUDA_VISIBLE_DEVICES',
        'NVIDIA_VISIBLE_DEVICES',
        'NVIDIA_DRIVER_CAPABILITIES',
        'ONNXRUNTIME_NODE_INSTALL',
        'npm_config_cache',
        'npm_lifecycle_event',
      ].map((name) => [name, '']),
    );
    expect(unknownVariables(env)).toEqual([]);
    expect(loadConfig(env).warnings).toBeUndefined();
  });

  it('every prefixed variable this repository reads from the environment is known', () => {
    const root = resolve(import.meta.dirname, '..');
    const files = (dir: string): string[] =>
      readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
        const path = `${dir}/${entry.name}`;
        if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : files(path);
        return /\.(ts|js|mjs|sh)$/.test(entry.name) ? [path] : [];
      });
    const sources = ['src', 'engine', 'commands', 'adapters', 'bench', 'bin', 'test'].flatMap(files);
    const texts = [...sources, 'Dockerfile', 'docker-compose.yml'].map((file) =>
      readFileSync(join(root, file), 'utf8'),
    );
    const reads = /(?:\benv\.|\benv\[['"]|\$\{?)([A-Za-z_][A-Za-z0-9_]*)/g;
    const known = new Set<string>([...Object.keys(envSchema.shape), ...READ_ELSEWHERE]);
    const read = new Set(texts.flatMap((text) => [...text.matchAll(reads)].map((m) => m[1] as string)));
    const prefixed = [...read].filter((name) => BOT_PREFIXES.some((prefix) => name.startsWith(prefix)));
    expect(prefixed.length).toBeGreaterThan(5);
    expect(prefixed.filter((name) => !known.has(name))).toEqual([]);
  });

  it('a refused configuration mentions them too (a misspelt name is often why a required one is missing)', () => {
    let report = '';
    loadConfigOrReport((text) => (report += text), {
      TELEGRAM_WEBHOOK_URL: 'https://bot.example.org/hook',
      TELEGRAM_WEBHOOK_SECRT: TYPO_VALUE,
    });
    expect(report).toContain('TELEGRAM_WEBHOOK_SECRET: is required');
    expect(report).toContain('TELEGRAM_WEBHOOK_SECRT is not a dimoo-bot variable');
    expect(report).not.toContain(TYPO_VALUE);
  });

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('`dimoo config` shows them, without the value', async () => {
    vi.stubEnv('TELEGRAM_TOKE', TYPO_VALUE);
    const written = { stdout: '', stderr: '' };
    const sink = (to: keyof typeof written) =>
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          written[to] += chunk.toString();
          done();
        },
      });
    await configCommand.run([], { stdout: sink('stdout'), stderr: sink('stderr') });
    const said = 'TELEGRAM_TOKE is not a dimoo-bot variable and is ignored (did you mean TELEGRAM_TOKEN?)';
    expect(written.stdout).toContain(said);
    // Also as a line of its own on stderr, where it is seen without reading the JSON.
    expect(written.stderr).toContain(`warning: ${said}`);
    expect(written.stdout + written.stderr).not.toContain(TYPO_VALUE);
  });

  it('start-up logs them in one line, names only', async () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', pretty: false, destination: { write: (l) => lines.push(l) } });
    const config = loadConfig({ TELEGRAM_TOKE: TYPO_VALUE, WEB_PORTS: '8080' });
    expect(await startOps(config, log, new BotMetrics(), () => true)).toBeUndefined();
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] as string) as { level: number; msg: string };
    expect(line.level).toBe(40);
    expect(line.msg).toContain(
      'TELEGRAM_TOKE is not a dimoo-bot variable and is ignored (did you mean TELEGRAM_TOKEN?)',
    );
    expect(line.msg).toContain(
      'WEB_PORTS is not a dimoo-bot variable and is ignored (did you mean WEB_PORT?)',
    );
    expect(lines[0]).not.toContain(TYPO_VALUE);
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
