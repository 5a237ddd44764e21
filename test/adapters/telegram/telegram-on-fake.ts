// The Telegram adapter with the real grammY client against the fake Bot API, on the fast engine double: what the
// Telegram e2e tests start from. The fake, the services and the adapter stop in that order's reverse.
import type { Delivery } from '../../../adapters/shared/job-status.js';
import { startTelegram, type TelegramTesting } from '../../../adapters/telegram/index.js';
import { buildCommands } from '../../../src/app-services.js';
import type { Services } from '../../../src/services.js';
import { type FakeTelegram, startFakeTelegram } from '../../doubles/fake-telegram/index.js';
import type { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { openDoubleServices } from '../e2e-services.js';

export interface TelegramOnFake {
  fake: FakeTelegram;
  services: Services;
  running: Awaited<ReturnType<typeof startTelegram>>;
  commands: ReturnType<typeof buildCommands>;
  /** How each job's ending reached the chat. */
  deliveries: Map<string, Delivery>;
  stop(): Promise<void>;
}

/** Starts it all; `env` adds to the bot's variables, `testing` to the adapter's test options (fast edits). */
export async function startTelegramOnFake(
  name: string,
  engine: TimedEngineDouble,
  options: { env?: Record<string, string>; testing?: Omit<TelegramTesting, 'apiRoot'> } = {},
): Promise<TelegramOnFake> {
  const fake = await startFakeTelegram({ maxLongPollMs: 200, token: '123456:ABCdefGHIjklMNOpqrSTUvwxyz' });
  const opened = openDoubleServices(
    name,
    { TELEGRAM_TOKEN: fake.token, RATE_LIMIT_PER_MINUTE: '0', ...options.env },
    engine,
  );
  const { config, log, services } = opened;
  const deliveries = new Map<string, Delivery>();
  const commands = buildCommands({ config, log }, services);
  const running = await startTelegram({ config, log }, services, commands, {
    apiRoot: fake.apiRoot,
    editIntervalMs: { private: 30, group: 60 },
    onDelivery: (jobId, delivery) => deliveries.set(jobId, delivery),
    ...options.testing,
  });
  services.start();
  return {
    fake,
    services,
    running,
    commands,
    deliveries,
    stop: async () => {
      await running.stop();
      await services.close();
      await fake.stop();
    },
  };
}

/** A sent message's text or a photo's caption. */
export const textOf = (call: { params: Record<string, unknown> }) =>
  String(call.params.text ?? call.params.caption ?? '');

/** The job a status message or result names in its Cancel or Re-roll button. */
export const jobIdIn = (call: { params: Record<string, unknown> }) =>
  /(?:cancel|reroll):([0-9a-f-]{36})/.exec(JSON.stringify(call.params.reply_markup ?? ''))?.[1];
