// The Discord adapter's factory: shared services in, a connected bot out.
import { Commands } from '../../commands/index.js';
import type { AppContext, RunningAdapter } from '../../src/app.js';
import type { Services } from '../../src/services.js';
import { DiscordBot, type DiscordOptions } from './bot.js';

export async function startDiscord(
  context: AppContext,
  services: Services,
  testing: {
    rest?: { api: string; cdn?: string };
    cdnHosts?: readonly string[];
    editIntervalMs?: number;
    interactionsPort?: number;
    onDelivery?: DiscordOptions['onDelivery'];
  } = {},
): Promise<RunningAdapter & { bot: DiscordBot }> {
  const { config, log } = context;
  const token = config.discord.token;
  if (!token) throw new Error('DISCORD_TOKEN is not set');
  const commands = new Commands({
    queue: services.jobs.queue,
    store: services.jobs.store,
    config,
    log: (level, message, fields) => log[level](fields ?? {}, message),
  });
  const bot = new DiscordBot({
    config,
    commands,
    log,
    deliveries: services.jobs.store.deliveries,
    ...testing,
  });
  await bot.start(token);
  return { name: 'discord', bot, stop: () => bot.stop() };
}
