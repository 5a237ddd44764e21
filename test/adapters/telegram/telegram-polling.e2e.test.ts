// Long polling through an outage: a failed getUpdates is tried again at a fixed interval, never given up on (the
// runner's default stops after 15 hours of failures), and the log says when polling fails, recovers, or ends for
// good (a revoked token: 401); a 409 (another poller, a webhook set) is retried; /readyz (services.health) names
// Telegram meanwhile.
import { createUpdateFetcher } from '@grammyjs/runner';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startTelegram } from '../../../adapters/telegram/index.js';
import { pollRetry } from '../../../adapters/telegram/polling.js';
import { buildCommands } from '../../../src/app-services.js';
import { createLogger } from '../../../src/log.js';
import type { Services } from '../../../src/services.js';
import { type FakeTelegram, startFakeTelegram } from '../../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { openDoubleServices } from '../e2e-services.js';

const stops: Array<() => Promise<void>> = [];

afterEach(async () => {
  vi.restoreAllMocks();
  for (const stop of stops.splice(0).reverse()) await stop();
});

interface LogLine {
  level: number;
  msg: string;
}

/** The bot on the fake, polling with `pollRetryMs`; its log lines are kept. */
async function startBot(
  pollRetryMs: number,
  pollUnhealthyMs?: number,
): Promise<{
  fake: FakeTelegram;
  lines: LogLine[];
  services: Services;
  running: Awaited<ReturnType<typeof startTelegram>>;
}> {
  const fake = await startFakeTelegram({ maxLongPollMs: 200, token: '123456:ABCdefGHIjklMNOpqrSTUvwxyz' });
  stops.push(() => fake.stop());
  const lines: LogLine[] = [];
  const log = createLogger({
    level: 'info',
    pretty: false,
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
  });
  const opened = openDoubleServices(
    'telegram-polling',
    { TELEGRAM_TOKEN: fake.token },
    new TimedEngineDouble(),
  );
  const running = await startTelegram(
    { config: opened.config, log },
    opened.services,
    buildCommands({ config: opened.config, log }, opened.services),
    { apiRoot: fake.apiRoot, pollRetryMs, pollUnhealthyMs },
  );
  stops.push(
    () => opened.services.close(),
    () => running.stop(),
  );
  return { fake, lines, services: opened.services, running };
}

const said = (lines: LogLine[], pattern: RegExp) => lines.filter((l) => pattern.test(l.msg));

describe('Telegram long polling', { timeout: 30_000 }, () => {
  it('tries a failed poll again however long the outage has lasted', async () => {
    let now = Date.now();
    vi.spyOn(Date, 'now').mockImplementation(() => now);
    let failures = 0;
    const bot = {
      handleUpdate: async () => undefined,
      errorHandler: () => undefined,
      api: {
        getUpdates: async () => {
          if (failures++ < 3) {
            // Each failure comes another 16 hours into the outage: past the runner's default 15 hours.
            now += 16 * 3600 * 1000;
            throw new Error('network down');
          }
          return [{ update_id: 7 }];
        },
      },
    };
    const fetchUpdates = createUpdateFetcher(bot, { ...pollRetry(1), silent: true });
    // The runner names the signal type of its abort-controller shim; Node's own is what it gets at run time.
    const signal = new AbortController().signal as Parameters<typeof fetchUpdates>[1];
    await expect(fetchUpdates(10, signal)).resolves.toEqual([{ update_id: 7 }]);
    expect(failures).toBe(4);
  });

  it('waits the fixed interval between failed polls, not ever longer ones, and logs the failure and the recovery', async () => {
    const { fake, lines } = await startBot(50);
    // Doubling from 100 ms, eight failures would keep the bot deaf for 25 s.
    fake.networkError('getUpdates', 8);
    const request = fake.injectText('/help');
    await fake.waitForCall(
      (c) => c.method === 'sendMessage' && c.params.reply_parameters?.message_id === request.message_id,
      5000,
    );
    expect(fake.callsTo((c) => c.method === 'getUpdates' && c.status === -1).length).toBeGreaterThanOrEqual(
      8,
    );
    expect(said(lines, /telegram polling failed/)).toHaveLength(1);
    expect(said(lines, /telegram polling recovered/)).toHaveLength(1);
  });

  it('says so in the log when polling ends for good (a revoked token: 401)', async () => {
    const { fake, lines } = await startBot(50);
    await fake.waitForCall('getUpdates');
    fake.failMethod('getUpdates', { errorCode: 401, description: 'Unauthorized', times: 1000 });
    await expect
      .poll(() => said(lines, /telegram polling stopped for good/).map((l) => l.level), { timeout: 10_000 })
      .toEqual([50]);
  });

  it('retries a 409 (another instance polling, or a webhook set) and hears Telegram again once it ends', async () => {
    const { fake, lines, services } = await startBot(50, 400);
    await fake.waitForCall('getUpdates');
    // During a rolling deploy the old instance still polls; here a webhook stands for it: every poll is refused 409.
    fake.state.updates.setWebhook({ url: 'http://127.0.0.1:9/elsewhere' });
    await expect
      .poll(() => services.health.problems(), { timeout: 10_000 })
      .toEqual([expect.stringMatching(/^telegram: long polling failing for \d+ s \(last: 409 Conflict/)]);
    expect(said(lines, /telegram polling stopped for good/)).toEqual([]);
    fake.state.updates.setWebhook(undefined);
    const request = fake.injectText('/help');
    await fake.waitForCall(
      (c) => c.method === 'sendMessage' && c.params.reply_parameters?.message_id === request.message_id,
      10_000,
    );
    await expect.poll(() => services.health.problems(), { timeout: 10_000 }).toEqual([]);
    expect(said(lines, /telegram polling recovered/)).toHaveLength(1);
  });

  it('tells /readyz while polling has failed past the threshold, without the token, and clears on recovery', async () => {
    const { fake, services } = await startBot(50, 400);
    await fake.waitForCall('getUpdates');
    expect(services.health.problems()).toEqual([]);
    fake.networkError('getUpdates', 10_000);
    await expect
      .poll(() => services.health.problems(), { timeout: 10_000 })
      .toEqual([expect.stringMatching(/^telegram: long polling failing for \d+ s \(last: network error/)]);
    expect(services.health.problems().join()).not.toContain(fake.token.split(':')[1]);
    fake.failures.clear();
    await expect.poll(() => services.health.problems(), { timeout: 10_000 }).toEqual([]);
  });

  it('tells /readyz for good once the token is refused (401), until the adapter stops', async () => {
    const { fake, services, running } = await startBot(50);
    await fake.waitForCall('getUpdates');
    fake.failMethod('getUpdates', { errorCode: 401, description: 'Unauthorized', times: 1000 });
    await expect
      .poll(() => services.health.problems(), { timeout: 10_000 })
      .toEqual([expect.stringMatching(/^telegram: long polling stopped for good \(last: 401 Unauthorized/)]);
    await running.stop();
    expect(services.health.problems()).toEqual([]);
  });
});
