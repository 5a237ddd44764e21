// Every port `npm start` listens on is taken before the model loads, answers 503 "starting" until its server takes it
// over, and a port that cannot be taken is said in the same one line as a server that fails to listen on it.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startApp } from '../src/app.js';
import { loadConfig } from '../src/config/index.js';
import { listeners } from '../src/config/ports.js';
import { t } from '../src/i18n.js';
import { createLogger } from '../src/log.js';
import { PortUnavailableError, reservePorts } from '../src/ops/port-reservations.js';
import { freePort, takenPort } from './ports.js';

const closing: Array<() => Promise<unknown> | undefined> = [];
afterEach(async () => {
  for (const close of closing.splice(0)) await close();
});

/** A port another program holds, until the test ends. */
async function heldPort(): Promise<number> {
  const { port, release } = await takenPort();
  closing.push(release);
  return port;
}

const TELEGRAM = {
  TELEGRAM_TOKEN: '123456789:AAExampleExampleExampleExample_-xyz',
  TELEGRAM_WEBHOOK_URL: 'https://bot.example.org/hook',
  TELEGRAM_WEBHOOK_SECRET: 'secret-value',
};

describe('reservePorts', () => {
  it('holds every port, answering 503 "starting" in the asker’s language, until each server takes its own', async () => {
    const [web, metrics, hook] = [await freePort(), await freePort(), await freePort()];
    const config = loadConfig({
      ...TELEGRAM,
      WEB_PORT: String(web),
      METRICS_PORT: String(metrics),
      TELEGRAM_WEBHOOK_PORT: String(hook),
    });
    const servers = listeners(config, ['telegram', 'playground']);
    expect(servers.map((s) => s.name)).toEqual(['metrics', 'playground', 'telegram']);
    const ports = await reservePorts(servers, 'ja');
    closing.push(() => ports.releaseAll());
    for (const port of [web, metrics, hook]) {
      const response = await fetch(`http://127.0.0.1:${port}/`, { headers: { 'accept-language': 'de-DE' } });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('30');
      expect(await response.text()).toBe(`${t('de', 'server.starting')}\n`);
    }
    // Without a language it asks for: DEFAULT_LOCALE's.
    const plain = await fetch(`http://127.0.0.1:${hook}/hook`, { method: 'POST', body: '{}' });
    expect(await plain.text()).toBe(`${t('ja', 'server.starting')}\n`);

    // Handed over: the server listens on the port at once; the others stay held.
    await ports.release('playground');
    const real = createHttpServer((_req, res) => res.end('real'));
    await new Promise<void>((resolve) => real.listen(web, '127.0.0.1', resolve));
    closing.push(() => new Promise((resolve) => real.close(resolve)));
    expect(await (await fetch(`http://127.0.0.1:${web}/`)).text()).toBe('real');
    expect((await fetch(`http://127.0.0.1:${metrics}/`)).status).toBe(503);
    await ports.release('playground');
    await ports.releaseAll();
    await expect(fetch(`http://127.0.0.1:${hook}/`)).rejects.toThrow();
  });

  it('a port another program holds: the one line, the same as a server failing on it says, none left held', async () => {
    const [free, taken] = [await freePort(), await heldPort()];
    const config = loadConfig({
      ...TELEGRAM,
      METRICS_PORT: String(free),
      TELEGRAM_WEBHOOK_PORT: String(taken),
    });
    const error = await reservePorts(listeners(config, ['telegram']), 'en').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PortUnavailableError);
    const line = (error as Error).message;
    expect(line).toBe(
      `Telegram's webhook server cannot listen: 127.0.0.1:${taken} is already in use (another program listens there, or another dimoo-bot). Change TELEGRAM_WEBHOOK_PORT or TELEGRAM_WEBHOOK_HOST.`,
    );
    // The one reserved before it was freed again.
    const again = await reservePorts(listeners(loadConfig({ METRICS_PORT: String(free) }), []), 'en');
    await again.releaseAll();

    // The adapter's own server meeting the same error (a port lost after the hand-over) is named by the same table.
    const app = startApp(
      { config, log: createLogger({ level: 'silent' }) },
      {
        telegram: async () => {
          throw (error as Error).cause;
        },
      },
    );
    await expect(app).rejects.toThrow(line);
  });
});

describe('npm start while the model loads or Redis is reached', () => {
  it('the playground’s port answers 503 "starting" until the playground takes it over', async () => {
    const [redisPort, webPort] = [await freePort(), await freePort()];
    // A front-end waits for its Redis as long as it is down: the start never gets past the services.
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: join(import.meta.dirname, '..'),
      env: {
        PATH: process.env.PATH,
        DATA_DIR: mkdtempSync(join(tmpdir(), 'dimoo-reserve-')),
        QUEUE_URL: `redis://127.0.0.1:${redisPort}`,
        WEB_PORT: String(webPort),
        DEFAULT_LOCALE: 'fr',
        LOG_LEVEL: 'error',
      },
      stdio: 'ignore',
    });
    closing.push(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    const deadline = Date.now() + 20_000;
    let answer: { status: number; body: string } | undefined;
    while (answer === undefined) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error('the playground’s port never answered');
      answer = await fetch(`http://127.0.0.1:${webPort}/`, { signal: AbortSignal.timeout(1000) }).then(
        async (r) => ({ status: r.status, body: await r.text() }),
        () => undefined,
      );
      if (answer === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(answer).toEqual({ status: 503, body: `${t('fr', 'server.starting')}\n` });
  }, 30_000);
});
