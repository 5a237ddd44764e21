// The Telegram adapter's factory: the shared commands and services in, a running bot out (long polling, or a
// webhook with a secret token when TELEGRAM_WEBHOOK_URL is set) that tells /readyz while it cannot hear Telegram.
import type { Commands, PlatformProfile } from '../../commands/index.js';
import type { AppContext, RunningAdapter } from '../../src/app.js';
import type { Services } from '../../src/services.js';
import { TelegramBot, type TelegramOptions } from './bot.js';

export type TelegramTesting = Pick<
  TelegramOptions,
  | 'apiRoot'
  | 'editIntervalMs'
  | 'albumQuietMs'
  | 'webhookPort'
  | 'onDelivery'
  | 'pollRetryMs'
  | 'autoRetryMaxDelayS'
  | 'pollUnhealthyMs'
  | 'webhookCheckMs'
>;

export const TELEGRAM_PROFILE: PlatformProfile = {
  // Telegram recompresses photos: results offer the lossless PNG as a file.
  originalFileButton: true,
  compactResults: true,
  helpKeys: ['help.telegram.mask'],
};

export async function startTelegram(
  context: AppContext,
  services: Services,
  commands: Commands,
  testing: TelegramTesting = {},
): Promise<RunningAdapter & { bot: TelegramBot }> {
  const { config, log } = context;
  const bot = new TelegramBot({
    config,
    commands,
    log,
    deliveries: services.jobs.store.deliveries,
    jobs: services.jobs,
    ...testing,
  });
  await bot.start();
  const unwatch = services.health.watch('telegram', () => bot.health());
  return {
    name: 'telegram',
    bot,
    stop: () => {
      // Stopping on purpose is no failure to report, and a stopped adapter has nothing to say.
      unwatch();
      return bot.stop();
    },
  };
}
