// The Telegram adapter's factory: shared services in, a polling bot out.
import { Commands } from '../../commands/index.js';
import type { AppContext, RunningAdapter } from '../../src/app.js';
import type { Services } from '../../src/services.js';
import { TelegramBot } from './bot.js';

export async function startTelegram(
  context: AppContext,
  services: Services,
  testing: { apiRoot?: string; editIntervalMs?: { private: number; group: number } } = {},
): Promise<RunningAdapter & { bot: TelegramBot }> {
  const { config, log } = context;
  const commands = new Commands({
    queue: services.jobs.queue,
    store: services.jobs.store,
    config,
    log: (level, message, fields) => log[level](fields ?? {}, message),
  });
  const bot = new TelegramBot({ config, commands, log, ...testing });
  await bot.start();
  return { name: 'telegram', bot, stop: () => bot.stop() };
}
