// Each Telegram admin's own command menu (adapters/telegram/command-menus.ts) over the fake Bot API: registered in
// every language of everyone's menu, an admin who never started the bot said once and skipped, other refusals
// logged and the rest still registered, nothing after the bot stops; and start-up does not wait for any of it.
import { Bot } from 'grammy';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerAdminMenus, telegramAdminIds } from '../../../adapters/telegram/command-menus.js';
import { COMMANDS } from '../../../commands/index.js';
import {
  type FakeTelegram,
  startFakeTelegram,
  type TelegramCall,
} from '../../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { startTelegramOnFake, type TelegramOnFake } from './telegram-on-fake.js';

const started: Array<FakeTelegram | TelegramOnFake> = [];
afterEach(async () => {
  for (const one of started.splice(0).reverse()) await one.stop();
});

async function fakeApi() {
  const fake = await startFakeTelegram();
  started.push(fake);
  const api = new Bot(fake.token, { client: { apiRoot: fake.apiRoot } }).api;
  return { fake, api };
}

const menuOf = (chatId: number) => (c: TelegramCall) =>
  c.method === 'setMyCommands' && c.params.scope?.type === 'chat' && c.params.scope.chat_id === chatId;
const log = () => ({ info: vi.fn(), warn: vi.fn() });

describe('Telegram admin menus', () => {
  it('takes the Telegram ids of ADMIN_IDS only', () => {
    expect(telegramAdminIds(['telegram:1001', 'discord:1001', 'telegram:42'])).toEqual([1001, 42]);
  });

  it('gives each admin a menu per language; one who never started the bot is said once, at info', async () => {
    const { fake, api } = await fakeApi();
    const alice = fake.world.users.alice.id;
    const said = log();
    await registerAdminMenus(api, COMMANDS, ['telegram:4242', 'discord:777', `telegram:${alice}`], said);
    expect(fake.callsTo(menuOf(4242)).map((c) => c.status)).toEqual([400]);
    expect(said.info).toHaveBeenCalledTimes(1);
    expect(said.info.mock.calls[0]?.[0]).toEqual({ admin: 4242 });
    expect(said.warn).not.toHaveBeenCalled();
    const own = fake.callsTo(menuOf(alice));
    expect(own.map((c) => c.params.language_code ?? '')).toEqual([
      '',
      'zh',
      'ja',
      'ko',
      'es',
      'fr',
      'de',
      'pt',
      'ru',
    ]);
    expect(fake.commands('ja', 'chat', alice)?.map((c) => c.command)).toEqual(
      expect.arrayContaining(['imagine', 'block', 'unblock']),
    );
    expect(fake.calls.filter((c) => c.method === 'setMyCommands' && c.params.scope?.type !== 'chat')).toEqual(
      [],
    );
  });

  it('logs any other refusal and registers the other languages; stops when the bot stops', async () => {
    const { fake, api } = await fakeApi();
    const alice = fake.world.users.alice.id;
    fake.failMethod((c) => menuOf(alice)(c) && c.params.language_code === 'ja', {
      errorCode: 500,
      description: 'Internal Server Error',
    });
    const said = log();
    await registerAdminMenus(api, COMMANDS, [`telegram:${alice}`], said);
    expect(said.warn).toHaveBeenCalledTimes(1);
    expect(said.info).not.toHaveBeenCalled();
    expect(fake.callsTo(menuOf(alice)).filter((c) => c.status === 200)).toHaveLength(8);

    const stopping = new AbortController();
    stopping.abort();
    const before = fake.calls.length;
    await registerAdminMenus(api, COMMANDS, [`telegram:${alice}`], log(), stopping.signal);
    expect(fake.calls.length).toBe(before);
  });

  it('start-up does not wait for the admin menus', async () => {
    const alice = 1001;
    const bot = await startTelegramOnFake('telegram-admin-menus', new TimedEngineDouble(5, 3), {
      env: { ADMIN_IDS: `telegram:${alice}` },
      beforeStart: (fake) => fake.slowDown(menuOf(alice), 1500),
    });
    started.push(bot);
    // Started, everyone's menu in place, and the admin's first menu call still unanswered.
    expect(bot.fake.commands('')?.length).toBeGreaterThan(0);
    expect(bot.fake.callsTo(menuOf(alice))).toEqual([]);
    await bot.fake.waitForCalls(menuOf(alice), 9, 10_000);
  });
});
