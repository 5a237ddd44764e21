// The Discord adapter's factory: the shared commands and services in, a bot out (connected, or still trying to reach
// Discord in the background when it could not be reached at start).
import type { Commands, PlatformProfile } from '../../commands/index.js';
import type { AppContext, RunningAdapter } from '../../src/app.js';
import type { Services } from '../../src/services.js';
import { DiscordBot, type DiscordOptions } from './bot.js';
import { GatewayHealth, watchGateway } from './gateway-health.js';

/** Discord keeps uploads lossless and answers replies to images: the commands layer's defaults fit it. */
export const DISCORD_PROFILE: PlatformProfile = {
  // A plain reply reaches a bot only when it @mentions it, and the message menus are Discord's own way in.
  helpImagesKey: 'help.discord.images',
  // A waiting job's time is its `<t:…:R>`, which Discord keeps current.
  countsDownEta: true,
};

export async function startDiscord(
  context: AppContext,
  services: Services,
  commands: Commands,
  testing: {
    rest?: { api: string; cdn?: string };
    cdnHosts?: readonly string[];
    editIntervalMs?: number;
    notifyAfterMs?: number;
    interactionsPort?: number;
    onDelivery?: DiscordOptions['onDelivery'];
    gatewayGraceMs?: number;
    reach?: DiscordOptions['reach'];
  } = {},
): Promise<RunningAdapter & { bot: DiscordBot }> {
  const { config, log } = context;
  const token = config.discord.token;
  if (!token) throw new Error('DISCORD_TOKEN is not set');
  const { gatewayGraceMs, ...forBot } = testing;
  const bot = new DiscordBot({
    config,
    commands,
    log,
    deliveries: services.jobs.store.deliveries,
    claim: services.jobs.claim?.bind(services.jobs),
    now: () => services.jobs.queue.now(),
    failureTold: services.jobs.queue.failureTold?.bind(services.jobs.queue),
    ...forBot,
  });
  await bot.start(token);
  const gateway = new GatewayHealth({
    graceMs: gatewayGraceMs,
    interactionsOverHttp: config.discord.interactions !== undefined,
  });
  const unlisten = watchGateway(bot.client, gateway, log);
  // Until the first login (Discord unreachable at start, the start went on without it) the reach names the problem.
  const unwatch = services.health.watch('discord', () => bot.reach?.reason() ?? gateway.problem());
  return {
    name: 'discord',
    bot,
    stop: () => {
      // A bot stopped on purpose is not a fault to report, and its client's closing events are not outages.
      unwatch();
      unlisten();
      return bot.stop();
    },
  };
}
