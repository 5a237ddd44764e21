import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/index.js';
import { envSchema } from '../src/config/schema.js';

function problemsOf(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('has working defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config.device).toBe('auto');
    expect(config.web.host).toBe('127.0.0.1');
    expect(config.web.port).toBeUndefined();
    expect(config.queue.maxPerUser).toBe(3);
    expect(config.queue.maxRunningPerUser).toBe(1);
    expect(config.defaultLocale).toBe('en');
    expect(config.discord.guildIds).toEqual([]);
  });

  it('parses lists, numbers and enums', () => {
    const config = loadConfig({
      DISCORD_GUILD_IDS: '123456789012345678, 223456789012345678',
      ADMIN_IDS: 'discord:1,telegram:2',
      WEB_PORT: '9000',
      DEVICE: 'cpu',
      DEFAULT_LOCALE: 'zh-CN',
      BLOCKED_WORDS: 'Foo,bar',
      JOB_TIMEOUT_S: '60',
    });
    expect(config.discord.guildIds).toHaveLength(2);
    expect(config.adminIds).toEqual(['discord:1', 'telegram:2']);
    expect(config.web.port).toBe(9000);
    expect(config.device).toBe('cpu');
    expect(config.defaultLocale).toBe('zh-CN');
    expect(config.limits.blockedWords).toEqual(['foo', 'bar']);
    expect(config.queue.jobTimeoutMs).toBe(60_000);
  });

  it('lists every bad variable in one error', () => {
    const error = problemsOf({ DEVICE: 'tpu', WEB_PORT: 'abc', QUEUE_MAX_PER_USER: '0' });
    expect(error.problems.map((p) => p.variable).sort()).toEqual([
      'DEVICE',
      'QUEUE_MAX_PER_USER',
      'WEB_PORT',
    ]);
    expect(error.message).toContain('DEVICE: must be one of auto, cuda, cpu');
    expect(error.message).toContain('WEB_PORT: must be a port number');
  });

  it('never echoes a secret value', () => {
    const secret = 'not-a-valid-telegram-token-value';
    const error = problemsOf({ TELEGRAM_TOKEN: secret, DEVICE: 'tpu' });
    expect(error.problems.map((p) => p.variable)).toContain('TELEGRAM_TOKEN');
    expect(error.message).not.toContain(secret);
    expect(error.message).toContain('value hidden');
  });

  it('requires a webhook secret with a webhook URL', () => {
    const error = problemsOf({ TELEGRAM_WEBHOOK_URL: 'https://example.org/hook' });
    expect(error.problems[0]?.variable).toBe('TELEGRAM_WEBHOOK_SECRET');
  });

  it('documents exactly the schema variables in .env.example', () => {
    const documented = readFileSync('.env.example', 'utf8')
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => line.split('=')[0]);
    expect(documented.sort()).toEqual(Object.keys(envSchema.shape).sort());
  });
});
