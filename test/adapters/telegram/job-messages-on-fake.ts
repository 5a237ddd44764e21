// TelegramJobMessages on the real grammY client against the fake Bot API, for the tests that send replies through
// TelegramReplies themselves: the fake and the messages are made before the file's tests and stopped after them.
import Database from 'better-sqlite3';
import { Api } from 'grammy';
import { afterAll, beforeAll } from 'vitest';
import { TelegramJobMessages } from '../../../adapters/telegram/job-messages.js';
import { DeliveryLog } from '../../../src/jobs/index.js';
import { createLogger } from '../../../src/log.js';
import { type FakeTelegram, startFakeTelegram } from '../../doubles/fake-telegram/index.js';

export interface JobMessagesOnFake {
  fake: FakeTelegram;
  api: Api;
  jobMessages: TelegramJobMessages;
}

/** Filled in before the file's tests run; read its fields inside them. */
export function useJobMessagesOnFake(): JobMessagesOnFake {
  const world = {} as JobMessagesOnFake;
  beforeAll(async () => {
    world.fake = await startFakeTelegram({ maxLongPollMs: 100, token: '123456:ABCdefGHIjklMNOpqrSTUvwxyz' });
    world.api = new Api(world.fake.token, { apiRoot: world.fake.apiRoot });
    world.jobMessages = new TelegramJobMessages(world.api, {
      deliveries: new DeliveryLog(new Database(':memory:')),
      log: createLogger({ level: 'silent', pretty: false }),
      editIntervalMs: { private: 10, group: 10 },
    });
  });
  afterAll(async () => {
    await world.jobMessages?.stop();
    await world.fake?.stop();
  });
  return world;
}

/** The commands' side TelegramReplies reports to, which these tests do not look at. */
export const commandsDouble = { withdraw: () => undefined, delivered: () => undefined };
