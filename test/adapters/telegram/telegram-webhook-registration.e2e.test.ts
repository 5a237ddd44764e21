// Webhook mode telling Telegram where to post (setWebhook) when Telegram refuses or cannot take it at first: right at
// start, or once a start that could not reach Telegram at all reaches it. The start goes on, one log line says so,
// setWebhook is tried again in the background with growing waits while /readyz names the webhook, and the bot
// serves once Telegram took it. A stop ends the tries; a refused token ends the start as getMe's does.
import { afterEach, describe, expect, it } from 'vitest';
import { StartError } from '../../../src/app.js';
import type { FakeTelegram } from '../../doubles/fake-telegram/index.js';
import { watchUnhandledRejections } from '../../doubles/shared/unhandled.js';
import { armedStart, type LogLine } from './armed-start.js';
import { postUpdate, WEBHOOK_ENV } from './inbox-world.js';

const stops: Array<() => Promise<void>> = [];
const unhandled = watchUnhandledRejections();

afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
  expect(unhandled.rejections).toEqual([]);
});

/** Telegram's refusal of a webhook whose host it cannot resolve for now. */
const UNRESOLVED = 'Bad Request: bad webhook: Failed to resolve host: Temporary failure in name resolution';

/** The fake (armed by `arm` before the bot's first call), services in webhook mode on it, and the log's lines. */
const setUp = (arm: (fake: FakeTelegram) => void) =>
  armedStart(stops, 'telegram-webhook-registration', {
    env: { RATE_LIMIT_PER_MINUTE: '0', ...WEBHOOK_ENV },
    arm,
    testing: { webhookPort: 0 },
  });

/** A /help posted to the webhook is answered: the bot serves. */
async function serves(fake: FakeTelegram, port: number | undefined): Promise<void> {
  const message = fake.injectText('/help');
  expect(await postUpdate(port, { update_id: fake.lastUpdateId, message })).toBe(200);
  await fake.waitForCall(
    (c) => c.method === 'sendMessage' && c.params.reply_parameters?.message_id === message.message_id,
    10_000,
  );
}

const notTaken = (lines: LogLine[]) =>
  lines.filter((l) => l.msg.startsWith('Telegram did not take the webhook'));

describe('Telegram webhook registration', { timeout: 30_000 }, () => {
  it('a setWebhook refused after a start that could not reach Telegram is tried again until Telegram takes it', async () => {
    const { fake, services, start, lines } = await setUp((f) => {
      f.networkError('getMe', 2);
      f.failMethod('setWebhook', { errorCode: 400, description: UNRESOLVED, times: 3 });
    });
    const running = await start();
    stops.push(() => running.stop());
    await expect
      .poll(() => services.health.problems(), { timeout: 10_000, interval: 5 })
      .toEqual([
        expect.stringMatching(
          /^telegram: webhook not registered with Telegram yet \(last: 400 Bad Request: bad webhook: Failed to resolve host.*\); still trying$/,
        ),
      ]);
    await fake.waitForCalls('setWebhook', 4, 10_000);
    await expect.poll(() => services.health.problems(), { timeout: 5000, interval: 10 }).toEqual([]);
    await serves(fake, running.bot.webhookPort);
    expect(notTaken(lines())).toHaveLength(1);
    expect(notTaken(lines())[0]?.msg).toMatch(/Failed to resolve host.*keeps trying/);
    expect(lines().filter((l) => l.msg === 'telegram connected (webhook)')).toHaveLength(1);
    expect(lines().filter((l) => l.level >= 50)).toEqual([]);
  });

  it('a setWebhook refused right at start does not end the start, and is tried again', async () => {
    // getMe answered; the connection drops on setWebhook.
    const { fake, services, start } = await setUp((f) => f.networkError('setWebhook', 1));
    const running = await start();
    stops.push(() => running.stop());
    expect(services.health.problems()).toEqual([
      expect.stringMatching(/^telegram: webhook not registered with Telegram yet \(last: network error/),
    ]);
    await fake.waitForCalls('setWebhook', 2, 10_000);
    await expect.poll(() => services.health.problems(), { timeout: 5000, interval: 10 }).toEqual([]);
    await serves(fake, running.bot.webhookPort);
  });

  it('a stop while it still tries ends the tries', async () => {
    const { fake, start } = await setUp((f) =>
      f.failMethod('setWebhook', { errorCode: 400, description: UNRESOLVED, times: 1000 }),
    );
    const running = await start();
    await fake.waitForCalls('setWebhook', 3, 10_000);
    await running.stop();
    const tries = fake.callsTo('setWebhook').length;
    fake.failures.clear();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(fake.callsTo('setWebhook')).toHaveLength(tries);
  });

  it('a refused token (401) ends the start, as at getMe', async () => {
    const { start } = await setUp((f) =>
      f.failMethod('setWebhook', { errorCode: 401, description: 'Unauthorized', times: 10 }),
    );
    await expect(start()).rejects.toBeInstanceOf(StartError);
  });
});
