// `npm start` failing for a reason the operator fixes (a port, the checkpoint, DATA_DIR's disk) says so in one line
// on stderr and exits 1, without a stack trace in the log; and a start cut short leaves nothing that breaks the next.
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_PLAYGROUND_PORT } from '../adapters/web/index.js';
import { EngineError } from '../engine/index.js';
import { startFailure } from '../src/app.js';
import { loadConfig, portClashes } from '../src/config/index.js';
import { PLAYGROUND_DEFAULT_PORT } from '../src/config/ports.js';
import { createLogger } from '../src/log.js';
import { bundledModelDir, openEngine } from '../src/services.js';
import { type Ended, runToEnd } from './npm-start.js';
import { freePort, takenPort } from './ports.js';

const STACK_LINE = /\bat .*\.ts:\d+/;

const closing: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closing.splice(0)) await close();
});

/** `npm start` with `env` (and PATH), run to its end; `shell` goes before it (a ulimit). */
function npmStart(env: Record<string, string>, shell = ''): Promise<Ended> {
  const command = `${shell} exec "${process.execPath}" --import tsx src/main.ts`;
  return runToEnd({ DEVICE: 'cpu', ...env }, ['sh', '-c', command]);
}

function dataDir(): string {
  return mkdtempSync(join(tmpdir(), 'dimoo-start-'));
}

/** A port something else already listens on, until the test ends. */
async function heldPort(): Promise<number> {
  const { port, release } = await takenPort();
  closing.push(release);
  return port;
}

/** The only line on stderr, after checking that nothing anywhere is a stack trace. */
function oneLine({ code, stdout, stderr }: Ended): string {
  expect(code).toBe(1);
  expect(stdout + stderr).not.toMatch(STACK_LINE);
  expect(stdout).not.toContain('"level":50');
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0] as string;
}

describe('a start that cannot work says why in one line', () => {
  it("a port another program holds names the playground's variables, before the model", async () => {
    const port = await heldPort();
    const data = dataDir();
    const line = oneLine(await npmStart({ DATA_DIR: data, WEB_PORT: String(port) }));
    expect(line).toBe(
      `dimoo-bot could not start: the playground cannot listen: 127.0.0.1:${port} is already in use (another program listens there, or another dimoo-bot). Change WEB_PORT or WEB_HOST.`,
    );
    // Said before the bundled model was made (the real one loads for minutes) or the job database opened.
    expect(readdirSync(data)).toEqual(['bot.lock']);
  }, 30_000);

  it.each([
    ['METRICS_PORT', 'METRICS_HOST', 'the operators’ endpoints (/metrics, /healthz, /readyz)', {}],
    [
      'TELEGRAM_WEBHOOK_PORT',
      'TELEGRAM_WEBHOOK_HOST',
      "Telegram's webhook server",
      {
        TELEGRAM_TOKEN: '123456789:AAExampleExampleExampleExample_-xyz',
        TELEGRAM_WEBHOOK_URL: 'https://bot.example.org/hook',
        TELEGRAM_WEBHOOK_SECRET: 'secret-value',
      },
    ],
    [
      'DISCORD_INTERACTIONS_PORT',
      'DISCORD_INTERACTIONS_HOST',
      "Discord's interactions endpoint",
      { DISCORD_TOKEN: 'discord-token', DISCORD_PUBLIC_KEY: 'a'.repeat(64) },
    ],
  ])(
    '%s held by another program stops the start before the model, naming it',
    async (variable, host, what, env) => {
      const port = await heldPort();
      const data = dataDir();
      const line = oneLine(
        await npmStart({
          DATA_DIR: data,
          WEB_PORT: String(await freePort()),
          ...env,
          [variable]: String(port),
        }),
      );
      expect(line).toBe(
        `dimoo-bot could not start: ${what} cannot listen: 127.0.0.1:${port} is already in use (another program listens there, or another dimoo-bot). Change ${variable} or ${host}.`,
      );
      expect(readdirSync(data)).toEqual(['bot.lock']);
    },
    30_000,
  );

  it('a MODEL_DIR without a checkpoint is named with the problem', async () => {
    const model = dataDir();
    const line = oneLine(
      await npmStart({ DATA_DIR: dataDir(), WEB_PORT: String(await freePort()), MODEL_DIR: model }),
    );
    expect(line).toBe(
      `dimoo-bot could not start: MODEL_DIR=${model}: config.json is missing: the model configuration`,
    );
  }, 30_000);

  it('two of its servers on one port are refused at once, before the model, naming both variables', async () => {
    const data = dataDir();
    const { code, stdout, stderr } = await npmStart({
      DATA_DIR: data,
      METRICS_PORT: String(PLAYGROUND_DEFAULT_PORT),
    });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    // The configuration's own report: the same form as any other refused variable.
    expect(stderr.split('\n').slice(0, 2)).toEqual([
      'Invalid configuration (1 problem):',
      `  - WEB_PORT: is ${PLAYGROUND_DEFAULT_PORT} (the playground’s default), the port METRICS_PORT already takes: each server needs a port of its own`,
    ]);
    expect(readdirSync(data)).toEqual([]);
  }, 30_000);

  it('a checkpoint problem names MODEL_DIR, and its folder once', () => {
    const config = loadConfig({ MODEL_DIR: '/models/x' });
    const line = (code: 'checkpoint_missing' | 'checkpoint_invalid', message: string) =>
      startFailure(new EngineError(code, message), config);
    expect(line('checkpoint_missing', 'config.json is missing from /models/x: the model configuration')).toBe(
      'MODEL_DIR=/models/x: config.json is missing: the model configuration',
    );
    expect(line('checkpoint_invalid', 'config.json: vocab_size is not a number')).toBe(
      'MODEL_DIR=/models/x: config.json: vocab_size is not a number',
    );
    // Already naming a path in it: said as the engine says it.
    expect(line('checkpoint_missing', '/models/x/vqvae: no weights')).toBe('/models/x/vqvae: no weights');
  });

  it('an internal engine error is a bug: no one-line excuse, its stack trace goes to the log', () => {
    const config = loadConfig({});
    expect(startFailure(new EngineError('internal', 'boom'), config)).toBeUndefined();
    expect(startFailure(new Error('boom'), config)).toBeUndefined();
    expect(startFailure(new EngineError('device_unavailable', 'no CUDA'), config)).toBe('no CUDA');
  });
});

describe('ports of the servers one start runs', () => {
  const clashes = (env: Record<string, string>, adapters: string[]) =>
    portClashes(loadConfig(env), adapters).map((c) => c.variable);

  it('the playground default mirrors the adapter’s', () => {
    expect(PLAYGROUND_DEFAULT_PORT).toBe(DEFAULT_PLAYGROUND_PORT);
  });

  it('clash on one port when their hosts overlap, a wildcard taking every address', () => {
    expect(clashes({ METRICS_PORT: '9000', WEB_PORT: '9000' }, ['playground'])).toEqual(['WEB_PORT']);
    expect(
      clashes({ METRICS_PORT: '9000', WEB_PORT: '9000', WEB_HOST: 'localhost' }, ['playground']),
    ).toEqual(['WEB_PORT']);
    expect(
      clashes({ METRICS_PORT: '9000', METRICS_HOST: '0.0.0.0', WEB_PORT: '9000', WEB_HOST: '127.0.0.2' }, [
        'playground',
      ]),
    ).toEqual(['WEB_PORT']);
    expect(
      clashes(
        {
          TELEGRAM_TOKEN: '123456789:AAExampleExampleExampleExample_-xyz',
          TELEGRAM_WEBHOOK_URL: 'https://bot.example.org/hook',
          TELEGRAM_WEBHOOK_SECRET: 'secret-value',
          METRICS_PORT: '8443',
        },
        ['telegram'],
      ),
    ).toEqual(['TELEGRAM_WEBHOOK_PORT']);
  });

  it('do not clash on distinct addresses, nor with a server that does not run (a worker has no playground)', () => {
    expect(
      clashes({ METRICS_PORT: '9000', WEB_PORT: '9000', WEB_HOST: '127.0.0.2' }, ['playground']),
    ).toEqual([]);
    expect(clashes({ METRICS_PORT: '8080' }, [])).toEqual([]);
    expect(clashes({ METRICS_PORT: '9464' }, ['playground'])).toEqual([]);
  });
});

describe('the bundled model', () => {
  it('a start cut short while writing it (a full disk) says so in one line, and the next start makes it whole', async () => {
    const data = dataDir();
    // In blocks of 512 bytes (700 kB): the model's weights fit, the image decoder's (889 kB) does not.
    const line = oneLine(
      await npmStart({ DATA_DIR: data, WEB_PORT: String(await freePort()) }, 'ulimit -f 1400;'),
    );
    expect(line).toMatch(
      /^dimoo-bot could not start: DATA_DIR=.*: .*checkpoints cannot be written \(EFBIG\): /,
    );
    expect(line).toContain(data);
    const config = loadConfig({ DATA_DIR: data, DEVICE: 'cpu' });
    expect(readdirSync(join(data, 'checkpoints'))).toEqual([]);
    const { engine, bundledModel } = await openEngine(config, createLogger({ level: 'silent' }));
    expect(bundledModel).toBe(true);
    await engine.close();
  }, 60_000);

  it('what an older start left half-written (no config.json, or a folder aside) is replaced', async () => {
    const data = dataDir();
    const config = loadConfig({ DATA_DIR: data, DEVICE: 'cpu' });
    const modelDir = bundledModelDir(config);
    mkdirSync(join(modelDir, 'vqvae'), { recursive: true });
    mkdirSync(`${modelDir}.partial-999999`, { recursive: true });
    const { engine } = await openEngine(config, createLogger({ level: 'silent' }));
    await engine.close();
    expect(readdirSync(join(data, 'checkpoints'))).toEqual(['generated-tiny']);
  }, 60_000);
});
