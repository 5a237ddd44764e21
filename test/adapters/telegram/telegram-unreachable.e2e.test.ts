// Start-up while Telegram cannot be reached (no network, DNS, a firewall, an outage): the start goes on without it
// after a short first try, says so in one log line (never the token), keeps trying in the background with growing
// waits while /readyz names telegram, and serves once Telegram answers; the other adapters and the worker start
// meanwhile. A refused token (401) instead ends the start with one line and no stack trace.
import { afterEach, describe, expect, it } from 'vitest';
import { FIRST_TRY_MS } from '../../../adapters/shared/reach-retries.js';
import { type RunningAdapter, StartError, startApp, startFailure } from '../../../src/app.js';
import { loadConfig } from '../../../src/config/index.js';
import { listeners } from '../../../src/config/ports.js';
import { t } from '../../../src/i18n.js';
import { reservePorts } from '../../../src/ops/port-reservations.js';
import type { FakeTelegram } from '../../doubles/fake-telegram/index.js';
import { watchUnhandledRejections } from '../../doubles/shared/unhandled.js';
import { freePort, takenPort, tryToListen } from '../../ports.js';
import { armedStart } from './armed-start.js';
import { postUpdate, TOKEN, WEBHOOK_ENV, WEBHOOK_SECRET } from './inbox-world.js';

const stops: Array<() => Promise<void>> = [];
const unhandled = watchUnhandledRejections();

afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
  expect(unhandled.rejections).toEqual([]);
});

/** The fake (armed by `arm` before the bot's first call), services on it and a logger whose lines are kept. */
const setUp = (arm: (fake: FakeTelegram) => void) => armedStart(stops, 'telegram-unreachable', { arm });

/**
 * Telegram's POST of `update` to the webhook on `port`: its status, once the answer checked to be 503 "starting"
 * (Retry-After, in the language asked for) when it is one.
 */
async function startingAnswer(port: number, update: object = {}): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/tg/hook`, {
    method: 'POST',
    headers: { 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET, 'accept-language': 'ja' },
    body: JSON.stringify(update),
  });
  const text = await response.text();
  if (response.status === 503) {
    expect(response.headers.get('retry-after')).toBe('30');
    expect(text).toBe(`${t('ja', 'server.starting')}\n`);
  }
  return response.status;
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

  it('in webhook mode, its port is held from the reservation on: 503 and not to be taken until it serves, then serves', async () => {
    const port = await freePort();
    const { fake, context, start } = await armedStart(stops, 'telegram-unreachable-hook', {
      env: { ...WEBHOOK_ENV, TELEGRAM_WEBHOOK_PORT: String(port), RATE_LIMIT_PER_MINUTE: '0' },
      // The first getMe hangs past the first try; the tries after it meet a dropped connection.
      arm: (f) => {
        f.slowDown('getMe', 20_000);
        f.networkError('getMe', 10_000);
      },
    });
    // As `npm start` does (src/app-services.ts): held while the model loads, released as the adapter starts.
    const ports = await reservePorts(listeners(context.config, ['telegram']), 'en');
    stops.push(() => ports.releaseAll());
    expect(await startingAnswer(port)).toBe(503);
    await ports.release('telegram');
    let returned = false;
    const starting = start().finally(() => {
      returned = true;
    });
    stops.push(async () => (await starting).stop());
    const message = fake.injectText('/help');
    const update = { update_id: fake.lastUpdateId, message };
    const held = async () => {
      expect(await startingAnswer(port, update)).toBe(503);
      expect(await tryToListen(port)).toBe('EADDRINUSE');
    };
    // While the start waits for the first getMe, then while the bot tries again in the background.
    await expect.poll(() => startingAnswer(port).catch(() => 'refused'), { timeout: 4000 }).toBe(503);
    await held();
    expect(returned).toBe(false);
    const running = await starting;
    await fake.waitForCalls('getMe', 3, 5000);
    await held();
    expect(fake.callsTo('setWebhook')).toEqual([]);
    expect(fake.callsTo('sendMessage')).toEqual([]);
    // Telegram answers again: the bot serves the update Telegram sends again, on the port it held all along.
    fake.failures.clear();
    await fake.waitForCall('setWebhook', 10_000);
    expect(running.bot.webhookPort).toBe(port);
    expect(await postUpdate(port, update)).toBe(200);
    await fake.waitForCall(
      (c) => c.method === 'sendMessage' && c.params.reply_parameters?.message_id === message.message_id,
      10_000,
    );
  });

  it('a webhook port another program took after its reservation let go: the one line, before any call to Telegram', async () => {
    const { port, release } = await takenPort();
    stops.push(release);
    const { fake, context, start } = await armedStart(stops, 'telegram-unreachable-lost', {
      env: { ...WEBHOOK_ENV, TELEGRAM_WEBHOOK_PORT: String(port) },
      arm: () => undefined,
    });
    await expect(startApp(context, { telegram: start })).rejects.toThrow(
      `Telegram's webhook server cannot listen: 127.0.0.1:${port} is already in use (another program listens there, or another dimoo-bot). Change TELEGRAM_WEBHOOK_PORT or TELEGRAM_WEBHOOK_HOST.`,
    );
    expect(fake.callsTo(() => true)).toEqual([]);
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
