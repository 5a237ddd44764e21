// `npm start` against a Redis whose password QUEUE_URL gets wrong, or does not give: one line that names QUEUE_URL's
// credentials (not the playground, not Redis's own HELLO wording), and the password nowhere, however short. Redis
// here is a server of the test's own with requirepass: the shared one must never be restarted or given a password.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { StartError } from '../../../src/app.js';
import { loadConfig, secretsOf } from '../../../src/config/index.js';
import { createLogger } from '../../../src/log.js';
import { runWorker } from '../../../src/worker-role.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { freePort } from '../../ports.js';
import { hasRedisServer, ownRedisAskingFor } from './own-redis.js';

const available = hasRedisServer();
if (!available && process.env.CI !== 'true')
  process.stderr.write(
    'redis-server is not installed: skipping the QUEUE_URL credentials tests (CI fails here).\n',
  );

const PASSWORD = 'right-password-of-some-length';
const root = join(import.meta.dirname, '..', '..', '..');
const ownPort = ownRedisAskingFor(PASSWORD);

interface Ended {
  code?: number;
  stdout: string;
  stderr: string;
}

async function npmStart(queueUrl: string): Promise<Ended> {
  const result = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      DEVICE: 'cpu',
      QUEUE_URL: queueUrl,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'dimoo-credentials-')),
      WEB_PORT: String(await freePort()),
      METRICS_PORT: String(await freePort()),
      LOG_LEVEL: 'trace',
    },
    // A start that does not fail would run until killed.
    timeout: 30_000,
    killSignal: 'SIGKILL',
  }).catch((e: Ended) => e);
  return result as Ended;
}

describe.skipIf(!available && process.env.CI !== 'true')('QUEUE_URL credentials Redis refuses', () => {
  it('a wrong short password ends the start in one line naming QUEUE_URL, the password nowhere', async () => {
    const { code, stdout, stderr } = await npmStart(`redis://:wrong@127.0.0.1:${ownPort()}`);
    expect(code).toBe(1);
    expect(stdout + stderr).not.toContain('wrong');
    expect(stdout).not.toContain('adapter failed to start');
    // The one warning is the password's length, which names no value.
    const warnings = stdout.split('\n').filter((line) => line.includes('"level":40'));
    expect(warnings).toEqual([expect.stringContaining("QUEUE_URL's password is shorter than 8 characters")]);
    expect(stdout).not.toContain('"level":50');
    expect(stderr.trim().split('\n')).toEqual([
      `dimoo-bot could not start: QUEUE_URL: Redis at 127.0.0.1:${ownPort()} refused its user name and password: correct them in QUEUE_URL (redis://USER:PASSWORD@127.0.0.1:${ownPort()}, USER empty for Redis's requirepass)`,
    ]);
  }, 40_000);

  it('a user name and short password Redis does not know: the same line, neither shown', async () => {
    const { code, stdout, stderr } = await npmStart(`redis://bob:pw@127.0.0.1:${ownPort()}`);
    expect(code).toBe(1);
    expect(stdout + stderr).not.toMatch(/"pw"|:pw@|AUTH/);
    expect(stderr).toContain(`QUEUE_URL: Redis at 127.0.0.1:${ownPort()} refused its user name and password`);
  }, 40_000);

  it('no password where Redis needs one: one line saying QUEUE_URL gives none, not NOAUTH HELLO', async () => {
    const { code, stdout, stderr } = await npmStart(`redis://127.0.0.1:${ownPort()}`);
    expect(code).toBe(1);
    expect(stdout + stderr).not.toContain('NOAUTH');
    expect(stderr.trim().split('\n')).toEqual([
      `dimoo-bot could not start: QUEUE_URL: Redis at 127.0.0.1:${ownPort()} needs a password and QUEUE_URL gives none: write it as redis://:PASSWORD@127.0.0.1:${ownPort()}`,
    ]);
  }, 40_000);

  it('dimoo worker with a wrong password ends its start in one line naming QUEUE_URL, the password nowhere', async () => {
    const lines: string[] = [];
    const url = `redis://:wrong@127.0.0.1:${ownPort()}`;
    const config = loadConfig({
      QUEUE_URL: url,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'dimoo-credentials-')),
      METRICS_PORT: String(await freePort()),
    });
    const stop = new AbortController();
    const engine = Object.assign(new TimedEngineDouble(), { close: async () => undefined });
    // As the worker command makes it: the password registered, so what leaks past the wording is still scrubbed.
    const scrubbed = createLogger({
      level: 'trace',
      pretty: false,
      secrets: secretsOf(config),
      destination: { write: (line: string) => void lines.push(line) },
    });
    const ran = runWorker(config, scrubbed, stop.signal, async () => ({ engine }));
    await expect(ran).rejects.toThrow(
      new StartError(
        `QUEUE_URL: Redis at 127.0.0.1:${ownPort()} refused its user name and password: correct them in QUEUE_URL (redis://USER:PASSWORD@127.0.0.1:${ownPort()}, USER empty for Redis's requirepass)`,
      ),
    );
    expect(lines.join('')).not.toContain('wrong');
    expect(lines.join('')).not.toContain('WRONGPASS');
    // The thrown line is the one the operator reads (`dimoo worker` prints it and exits 1): not also a warning.
    expect(lines.filter((line) => line.includes('refused its user name and password'))).toEqual([]);
  }, 40_000);

  it('dimoo worker with a wrong password ends its start at the refusal, not once the model has loaded', async () => {
    const config = loadConfig({
      QUEUE_URL: `redis://:wrong@127.0.0.1:${ownPort()}`,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'dimoo-credentials-')),
      METRICS_PORT: String(await freePort()),
    });
    const engine = Object.assign(new TimedEngineDouble(), { close: vi.fn(async () => undefined) });
    // A model load that takes as long as the test lets it (a real one takes minutes): it ends only once released.
    let loaded: () => void = () => undefined;
    const loading = new Promise<{ engine: typeof engine }>((resolve) => {
      loaded = () => resolve({ engine });
    });
    const ran = runWorker(
      config,
      createLogger({ level: 'silent', pretty: false }),
      new AbortController().signal,
      () => loading,
    );
    await expect(ran).rejects.toThrow(
      `QUEUE_URL: Redis at 127.0.0.1:${ownPort()} refused its user name and password`,
    );
    // The model loaded after all is released, not left holding the device.
    loaded();
    await vi.waitFor(() => expect(engine.close).toHaveBeenCalledOnce());
  }, 20_000);
});
