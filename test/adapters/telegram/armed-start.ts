// What the tests of a start against a Telegram that cannot be reached or refuses share: the fake, armed before the
// bot's first call; services on the engine double; a logger whose JSON lines are kept; and the adapter's start on
// them, trying again 50 ms apart at first. Each thing made is stopped by the test file's `stops`, last made first.
import { startTelegram, type TelegramTesting } from '../../../adapters/telegram/index.js';
import { buildCommands } from '../../../src/app-services.js';
import { createLogger } from '../../../src/log.js';
import { type FakeTelegram, startFakeTelegram } from '../../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { openDoubleServices } from '../e2e-services.js';
import { TOKEN } from './inbox-world.js';

export interface LogLine {
  level: number;
  msg: string;
}

export async function armedStart(
  stops: Array<() => Promise<void>>,
  name: string,
  {
    env = {},
    arm,
    testing = {},
  }: {
    /** Variables beside TELEGRAM_TOKEN. */
    env?: Record<string, string>;
    arm: (fake: FakeTelegram) => void;
    testing?: TelegramTesting;
  },
) {
  const fake = await startFakeTelegram({ maxLongPollMs: 200, token: TOKEN });
  stops.push(() => fake.stop());
  arm(fake);
  const raw: string[] = [];
  const log = createLogger({
    level: 'info',
    pretty: false,
    destination: { write: (line: string) => void raw.push(line) },
  });
  const opened = openDoubleServices(name, { TELEGRAM_TOKEN: TOKEN, ...env }, new TimedEngineDouble());
  stops.push(() => opened.services.close());
  const context = { config: opened.config, log };
  const start = () =>
    startTelegram(context, opened.services, buildCommands(context, opened.services), {
      apiRoot: fake.apiRoot,
      pollRetryMs: 50,
      ...testing,
    });
  const lines = () => raw.map((line) => JSON.parse(line) as LogLine);
  return { fake, services: opened.services, context, start, raw, lines };
}
