import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { type AdapterName, planAdapters, type RunningAdapter, startApp, stopOnSignal } from '../src/app.js';
import { loadConfig } from '../src/config/index.js';
import { createLogger } from '../src/log.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const TELEGRAM_TOKEN = '123456789:AAExampleExampleExampleExample_-xyz';

function capturedLogger() {
  const lines: string[] = [];
  const log = createLogger({
    level: 'trace',
    pretty: false,
    destination: { write: (l: string) => void lines.push(l) },
  });
  return { log, messages: () => lines.map((l) => (JSON.parse(l) as { msg: string }).msg) };
}

/** Test double for an adapter: records start/stop into a shared journal. */
function testAdapter(name: AdapterName, journal: string[], failStart = false) {
  return async (): Promise<RunningAdapter> => {
    if (failStart) throw new Error(`${name} cannot connect`);
    journal.push(`start ${name}`);
    return {
      name,
      stop: async () => {
        journal.push(`stop ${name}`);
      },
    };
  };
}

describe('planAdapters', () => {
  const names = (env: Record<string, string>) => planAdapters(loadConfig(env)).map((p) => p.name);
  it('starts the playground when no platform token is set', () => {
    expect(names({})).toEqual(['playground']);
  });
  it('starts each platform with a token, without the playground', () => {
    expect(names({ DISCORD_TOKEN: 'discord-token' })).toEqual(['discord']);
    expect(names({ DISCORD_TOKEN: 'discord-token', TELEGRAM_TOKEN })).toEqual(['discord', 'telegram']);
  });
  it('adds the playground next to a platform when WEB_PORT is set', () => {
    expect(names({ TELEGRAM_TOKEN, WEB_PORT: '8080' })).toEqual(['telegram', 'playground']);
  });
});

describe('startApp', () => {
  const config = loadConfig({ DISCORD_TOKEN: 'discord-token', TELEGRAM_TOKEN, WEB_PORT: '8080' });

  it('starts the planned adapters and stops them last-started first, once', async () => {
    const journal: string[] = [];
    const { log } = capturedLogger();
    const app = await startApp(
      { config, log },
      { discord: testAdapter('discord', journal), telegram: testAdapter('telegram', journal) },
    );
    expect(app.running).toEqual(['discord', 'telegram']);
    expect(app.notBuilt).toEqual(['playground']);
    await Promise.all([app.stop(), app.stop()]);
    expect(journal).toEqual(['start discord', 'start telegram', 'stop telegram', 'stop discord']);
  });

  it('says what it would start and that it is not built yet', async () => {
    const { log, messages } = capturedLogger();
    const app = await startApp({ config: loadConfig({}), log }, {});
    expect(app.running).toEqual([]);
    expect(app.notBuilt).toEqual(['playground']);
    expect(messages()).toEqual([
      'dimoo-bot starting: playground (no platform token is set)',
      'the playground adapter is not built yet; nothing to start for it',
    ]);
  });

  it('stops what already started when a later adapter fails, and rethrows', async () => {
    const journal: string[] = [];
    const { log } = capturedLogger();
    await expect(
      startApp(
        { config, log },
        { discord: testAdapter('discord', journal), telegram: testAdapter('telegram', journal, true) },
      ),
    ).rejects.toThrow('telegram cannot connect');
    expect(journal).toEqual(['start discord', 'stop discord']);
  });
});

describe('stopOnSignal', () => {
  it('stops the app on the first signal and removes its handlers', async () => {
    const journal: string[] = [];
    const { log, messages } = capturedLogger();
    const app = await startApp(
      { config: loadConfig({ DISCORD_TOKEN: 'discord-token' }), log },
      { discord: testAdapter('discord', journal) },
    );
    const before = process.listenerCount('SIGUSR2');
    const stopped = stopOnSignal(app, log, ['SIGUSR2']);
    expect(process.listenerCount('SIGUSR2')).toBe(before + 1);
    process.kill(process.pid, 'SIGUSR2');
    await expect(stopped).resolves.toBe('SIGUSR2');
    expect(journal).toEqual(['start discord', 'stop discord']);
    expect(messages()).toContain('shutting down');
    expect(process.listenerCount('SIGUSR2')).toBe(before);
  });

  it('stops cleanly on SIGHUP too (a closed terminal, a supervisor), not only SIGINT and SIGTERM', async () => {
    const journal: string[] = [];
    const { log } = capturedLogger();
    const app = await startApp(
      { config: loadConfig({ DISCORD_TOKEN: 'discord-token' }), log },
      { discord: testAdapter('discord', journal) },
    );
    const before = process.listenerCount('SIGHUP');
    const stopped = stopOnSignal(
      app,
      log,
      undefined,
      undefined,
      async () => void journal.push('drain worker'),
    );
    // Emitted, not sent: without a handler Node's default for SIGHUP would end the test runner itself.
    process.emit('SIGHUP', 'SIGHUP');
    await expect(stopped).resolves.toBe('SIGHUP');
    expect(journal).toEqual(['start discord', 'drain worker', 'stop discord']);
    expect(process.listenerCount('SIGHUP')).toBe(before);
  });

  it('lets the running job finish before the adapters stop, so its result is still delivered; then closes', async () => {
    const journal: string[] = [];
    const { log } = capturedLogger();
    const app = await startApp(
      { config: loadConfig({ DISCORD_TOKEN: 'discord-token' }), log },
      { discord: testAdapter('discord', journal) },
    );
    const stopped = stopOnSignal(
      app,
      log,
      ['SIGUSR2'],
      async () => void journal.push('close services'),
      async () => void journal.push('drain worker'),
    );
    process.kill(process.pid, 'SIGUSR2');
    await stopped;
    expect(journal).toEqual(['start discord', 'drain worker', 'stop discord', 'close services']);
  });
});

describe('npm start (src/main.ts)', () => {
  it('refuses an invalid configuration with one message naming each variable, exit 1, no secret', async () => {
    const secret = 'secretvalue123456';
    const result = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH, DEVICE: 'tpu', WEB_PORT: 'abc', DISCORD_TOKEN: secret },
    }).catch((e: { code: number; stdout: string; stderr: string }) => e);
    const { code, stdout, stderr } = result as { code?: number; stdout: string; stderr: string };
    expect(code).toBe(1);
    expect(stderr).toMatch(/DEVICE: must be one of auto, cuda, cpu/);
    expect(stderr).toMatch(/WEB_PORT: must be a port number/);
    expect(stderr.match(/Invalid configuration/g)).toHaveLength(1);
    expect(stderr).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace
    expect(stdout + stderr).not.toContain(secret);
  });
});
