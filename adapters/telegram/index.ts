// The Telegram adapter's factory: shared services in, a running bot out (long polling, or a webhook with a secret
// token when TELEGRAM_WEBHOOK_URL is set).
import { Commands } from '../../commands/index.js';
import type { AppContext, RunningAdapter } from '../../src/app.js';
import type { Services } from '../../src/services.js';
import { TelegramBot, type TelegramOptions } from './bot.js';

export type TelegramTesting = Pick<
  TelegramOptions,
  'apiRoot' | 'editIntervalMs' | 'albumQuietMs' | 'webhookPort' | 'onDelivery'
>;

export async function startTelegram(
  context: AppContext,
  services: Services,
  testing: TelegramTesting = {},
): Promise<RunningAdapter & { bot: TelegramBot }> {
  const { config, log } = context;
  const commands = new Commands({
    queue: services.jobs.queue,
    store: services.jobs.store,
    config,
    log: (level, message, fields) => log[level](fields ?? {}, message),
    // Telegram recompresses photos: results offer the lossless PNG as a file.
    originalFileButton: true,
    helpKeys: ['help.telegram.mask'],
  });
  const bot = new TelegramBot({
    config,
    commands,
    log,
    deliveries: services.jobs.store.deliveries,
    ...testing,
  });
  await bot.start();
  return { name: 'telegram', bot, stop: () => bot.stop() };
}
