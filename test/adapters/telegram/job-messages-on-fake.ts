// TelegramJobMessages on the real grammY client against the fake Bot API, for the tests that send replies through
// TelegramReplies themselves: the fake and the messages are made before the file's tests and stopped after them.
import Database from 'better-sqlite3';
import { afterAll, beforeAll } from 'vitest';
import { TelegramJobMessages } from '../../../adapters/telegram/job-messages.js';
import { DeliveryLog } from '../../../src/jobs/index.js';
import { createLogger } from '../../../src/log.js';
import { type BotApiOnFake, useBotApiOnFake } from './bot-api-on-fake.js';

export interface JobMessagesOnFake extends BotApiOnFake {
  jobMessages: TelegramJobMessages;
}

/** Filled in before the file's tests run; read its fields inside them. */
export function useJobMessagesOnFake(): JobMessagesOnFake {
  // Hooks run stacked: these messages are made after the fake starts and stopped before it stops.
  const world = useBotApiOnFake() as JobMessagesOnFake;
  beforeAll(() => {
    world.jobMessages = new TelegramJobMessages(world.api, {
      deliveries: new DeliveryLog(new Database(':memory:')),
      log: createLogger({ level: 'silent', pretty: false }),
      editIntervalMs: { private: 10, group: 10 },
    });
  });
  afterAll(async () => {
    await world.jobMessages?.stop();
  });
  return world;
}

/** The commands' side TelegramReplies reports to, which these tests do not look at. */
export const commandsDouble = { withdraw: () => undefined, delivered: () => undefined };
