// The real grammY Api against the fake Bot API, for the tests that drive the adapter's senders themselves: the fake
// starts before the file's tests and stops after them.
import { Api } from 'grammy';
import { afterAll, beforeAll } from 'vitest';
import { type FakeTelegram, startFakeTelegram } from '../../doubles/fake-telegram/index.js';

export interface BotApiOnFake {
  fake: FakeTelegram;
  api: Api;
}

/** Filled in before the file's tests run; read its fields inside them. */
export function useBotApiOnFake(): BotApiOnFake {
  const world = {} as BotApiOnFake;
  beforeAll(async () => {
    world.fake = await startFakeTelegram({ maxLongPollMs: 100, token: '123456:ABCdefGHIjklMNOpqrSTUvwxyz' });
    world.api = new Api(world.fake.token, { apiRoot: world.fake.apiRoot });
  });
  afterAll(async () => {
    await world.fake?.stop();
  });
  return world;
}
