// A stop while the start's first try to reach Telegram still waits (long polling) ends the start quietly: no warning
// that Telegram cannot be reached and that the bot keeps trying, as none of that is so; nothing polls after it.
import { afterEach, describe, expect, it } from 'vitest';
import { TelegramBot } from '../../../adapters/telegram/bot.js';
import { buildCommands } from '../../../src/app-services.js';
import { waitUntil } from '../../doubles/shared/wait.js';
import { armedStart } from './armed-start.js';

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

describe('Telegram: a stop during the first try to reach it', { timeout: 30_000 }, () => {
  it('ends the start without a warning that the bot keeps trying', async () => {
    // The first getMe hangs past the whole test: the stop comes while the start waits on it.
    const { fake, services, context, lines } = await armedStart(stops, 'telegram-stop-first-try', {
      arm: (f) => f.slowDown('getMe', 20_000),
    });
    const bot = new TelegramBot({
      config: context.config,
      commands: buildCommands(context, services),
      log: context.log,
      deliveries: services.jobs.store.deliveries,
      jobs: services.jobs,
      apiRoot: fake.apiRoot,
      pollRetryMs: 50,
    });
    const starting = bot.start();
    // The fake has taken that getMe (its delay armed for it is used up).
    await waitUntil(() => fake.failures.pending === 0, 'the first getMe', 5000);
    await bot.stop();
    await starting;
    expect(
      lines()
        .filter((l) => l.level >= 40)
        .map((l) => l.msg),
    ).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(fake.callsTo('getUpdates')).toEqual([]);
  });
});
