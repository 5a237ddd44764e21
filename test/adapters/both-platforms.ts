// What the cross-platform e2e tests start from: fake Discord and Telegram servers, both real adapters connected to
// them, and the job system on an engine double; one `stop` takes it all down in order.
import { startDiscord } from '../../adapters/discord/index.js';
import { startTelegram } from '../../adapters/telegram/index.js';
import type { Commands } from '../../commands/index.js';
import { buildCommands } from '../../src/app-services.js';
import type { Config } from '../../src/config/index.js';
import type { Services } from '../../src/services.js';
import { type FakeDiscord, startFakeDiscord } from '../doubles/fake-discord/index.js';
import { type FakeTelegram, startFakeTelegram } from '../doubles/fake-telegram/index.js';
import type { TimedEngineDouble } from '../doubles/timed-engine.js';
import { openDoubleServices } from './e2e-services.js';

export interface BothPlatforms {
  discord: FakeDiscord;
  telegram: FakeTelegram;
  services: Services;
  stop(): Promise<void>;
}

export async function startBothPlatforms(
  name: string,
  engine: TimedEngineDouble,
  options: {
    /** The command table (default: the bot's own). */
    commands?: (services: Services, config: Config) => Commands;
    discord?: Partial<NonNullable<Parameters<typeof startDiscord>[3]>>;
    telegram?: Partial<NonNullable<Parameters<typeof startTelegram>[3]>>;
  } = {},
): Promise<BothPlatforms> {
  const discord = await startFakeDiscord();
  const telegram = await startFakeTelegram({
    maxLongPollMs: 300,
    token: '123456:ABCdefGHIjklMNOpqrSTUvwxyz',
  });
  const opened = openDoubleServices(
    name,
    { DISCORD_TOKEN: discord.token, TELEGRAM_TOKEN: telegram.token, RATE_LIMIT_PER_MINUTE: '0' },
    engine,
  );
  const { services, config } = opened;
  const context = { config, log: opened.log };
  const commands = options.commands?.(services, config) ?? buildCommands(context, services);
  const d = await startDiscord(context, services, commands, {
    rest: discord.clientOptions().rest,
    cdnHosts: discord.cdnHosts,
    ...options.discord,
  });
  const tg = await startTelegram(context, services, commands, {
    apiRoot: telegram.apiRoot,
    ...options.telegram,
  });
  services.start();
  return {
    discord,
    telegram,
    services,
    async stop() {
      await tg.stop();
      await d.stop();
      await services.close();
      await discord.stop();
      await telegram.stop();
    },
  };
}
