// Start-up while Telegram cannot be reached (no network, DNS, a firewall, an outage): the start goes on without it
// after a short first try, says so in one log line (never the token), keeps trying in the background with growing
// waits while /readyz names telegram, and serves once Telegram answers; the other adapters and the worker start
// meanwhile. A refused token (401) instead ends the start with one line and no stack trace.
import { afterEach, describe, expect, it } from 'vitest';
import { FIRST_TRY_MS } from '../../../adapters/telegram/health.js';
import { startTelegram } from '../../../adapters/telegram/index.js';
import { type RunningAdapter, StartError, startApp, startFailure } from '../../../src/app.js';
import { buildCommands } from '../../../src/app-services.js';
import { loadConfig } from '../../../src/config/index.js';
import { createLogger } from '../../../src/log.js';
import { type FakeTelegram, startFakeTelegram } from '../../doubles/fake-telegram/index.js';
import { watchUnhandledRejections } from '../../doubles/shared/unhandled.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { openDoubleServices } from '../e2e-services.js';

const TOKEN = '123456:ABCdefGHIjklMNOpqrSTUvwxyz';
const stops: Array<() => Promise<void>> = [];
const unhandled = watchUnhandledRejections();

afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
  expect(unhandled.rejections).toEqual([]);
});

interface LogLine {
  level: number;
  msg: string;
}

/** The fake (armed by `arm` before the bot's first call), services on it and a logger whose lines are kept. */
async function setUp(arm: (fake: FakeTelegram) => void) {
  const fake = await startFakeTelegram({ maxLongPollMs: 200, token: TOKEN });
  stops.push(() => fake.stop());
  arm(fake);
  const raw: string[] = [];
  const log = createLogger({
    level: 'info',
    pretty: false,
    destination: { write: (line: string) => void raw.push(line) },
  });
  const opened = openDoubleServices(
    'telegram-unreachable',
    { TELEGRAM_TOKEN: fake.token },
    new TimedEngineDouble(),
  );
  stops.push(() => opened.services.close());
  const context = { config: opened.config, log };
  const start = () =>
    startTelegram(context, opened.services, buildCommands(context, opened.services), {
      apiRoot: fake.apiRoot,
      pollRetryMs: 50,
    });
  const lines = () => raw.map((line) => JSON.parse(line) as LogLine);
  return { fake, services: opened.services, context, start, raw, lines };
}

/** The bot answers a command: it hears Telegram. */
async function answers(fake: FakeTelegram): Promise<void> {
  const request = fake.injectText('/help');
  await fake.waitForCall(
    (c) => c.method === 'sendMessage' && c.params.reply_parameters?.message_id === request.message_id,
    10_000,
  );
}

describe('Telegram unreachable at start-up', { timeout: 30_000 }, () => {
  it('goes on at once, says so in one line without the token, keeps trying, and serves once Telegram answers', async () => {
    const { fake, services, start, raw, lines } = await setUp((f) => f.networkError('getMe', 4));
    const running = await start();
    stops.push(() => running.stop());
    const unreachable = lines().filter((l) => /Telegram cannot be reached yet/.test(l.msg));
    expect(unreachable).toHaveLength(1);
    expect(unreachable[0]?.level).toBe(40);
    expect(unreachable[0]?.msg).toMatch(/network error.*keeps trying/);
    expect(services.health.problems()).toEqual([
      expect.stringMatching(/^telegram: cannot reach Telegram yet \(last: network error/),
    ]);
    await answers(fake);
    expect(services.health.problems()).toEqual([]);
    expect(fake.callsTo('getMe').length).toBe(5);
    expect(lines().filter((l) => /Telegram cannot be reached yet/.test(l.msg))).toHaveLength(1);
    expect(lines().some((l) => l.msg === 'telegram connected (long polling)')).toBe(true);
    expect(raw.join('\n')).not.toContain(TOKEN.split(':')[1]);
  });

  it('a Telegram that does not answer holds up neither the other adapters nor the worker past the first try', async () => {
    const { fake, services, context, start, lines } = await setUp((f) => f.slowDown('getMe', 20_000));
    const config = loadConfig({ TELEGRAM_TOKEN: TOKEN, WEB_PORT: '8080', DEVICE: 'cpu' });
    const started: string[] = [];
    const begun = Date.now();
    const app = await startApp(
      { config, log: context.log },
      {
        telegram: async () => {
          const running = await start();
          stops.push(() => running.stop());
          return running;
        },
        playground: async (): Promise<RunningAdapter> => {
          started.push('playground');
          return { name: 'playground', stop: async () => undefined };
        },
      },
    );
    expect(Date.now() - begun).toBeLessThan(FIRST_TRY_MS + 2000);
    expect(app.running).toEqual(['telegram', 'playground']);
    expect(started).toEqual(['playground']);
    expect(lines().find((l) => /Telegram cannot be reached yet/.test(l.msg))?.msg).toMatch(
      /no answer within 5 s/,
    );
    expect(services.health.problems()).toEqual([
      expect.stringMatching(/^telegram: cannot reach Telegram yet \(last: no answer within 5 s\)/),
    ]);
    await answers(fake);
    expect(services.health.problems()).toEqual([]);
  });

  it('a stop while it still tries ends the tries, and nothing starts polling after it', async () => {
    const { fake, start } = await setUp((f) => f.networkError('getMe', 10_000));
    const running = await start();
    await fake.waitForCall((c) => c.method === 'getMe' && fake.callsTo('getMe').length >= 3, 5000);
    await running.stop();
    const tries = fake.callsTo('getMe').length;
    fake.failures.clear();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(fake.callsTo('getMe').length).toBe(tries);
    expect(fake.callsTo('getUpdates')).toEqual([]);
  });

  it('a refused token (401) ends the start with one line naming TELEGRAM_TOKEN, no stack trace, no token', async () => {
    const { context, start, lines } = await setUp((f) =>
      f.failMethod('getMe', { errorCode: 401, description: 'Unauthorized', times: 10 }),
    );
    const error = await start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartError);
    const line = startFailure(error, context.config);
    expect(line).toBe(
      'Telegram refused TELEGRAM_TOKEN (401 Unauthorized): it was revoked or mistyped; set the token @BotFather shows for the bot (/token)',
    );
    // Through the app: the operator's problem, so no stack trace is logged before main prints the line.
    const config = loadConfig({ TELEGRAM_TOKEN: TOKEN, DEVICE: 'cpu' });
    await expect(startApp({ config, log: context.log }, { telegram: start })).rejects.toBeInstanceOf(
      StartError,
    );
    expect(lines().filter((l) => l.level >= 50)).toEqual([]);
  });
});
