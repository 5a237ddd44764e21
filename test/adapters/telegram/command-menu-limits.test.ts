// The menus the bot really registers (everyone's in every language, an admin's own in every language), sent by the
// real registration through grammY to the fake, which refuses what the Bot API refuses: language codes of two
// lowercase letters, at most 100 commands of 1–32 [a-z0-9_], descriptions of 1–256 characters once trimmed.
import { Bot } from 'grammy';
import { afterEach, describe, expect, it } from 'vitest';
import { toTelegramCommands } from '../../../adapters/telegram/command-list.js';
import { registerAdminMenus, registerSharedMenus } from '../../../adapters/telegram/command-menus.js';
import { COMMANDS } from '../../../commands/index.js';
import { PLATFORM_TAGS, SUPPORTED_LOCALES } from '../../../src/i18n.js';
import { type FakeTelegram, startFakeTelegram } from '../../doubles/fake-telegram/index.js';
import { invalidCommandMenu } from '../../doubles/fake-telegram/limits.js';

let fake: FakeTelegram | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

describe('Telegram: the registered menus within the Bot API’s rules in every language', () => {
  it('every menu, everyone’s and an admin’s, passes every rule (the reason is named when it does not)', () => {
    for (const locale of SUPPORTED_LOCALES)
      for (const admin of [false, true]) {
        const refusal = invalidCommandMenu(
          toTelegramCommands(locale, COMMANDS, admin),
          PLATFORM_TAGS[locale].telegram,
        );
        expect(refusal, `${locale}${admin ? ' (admin)' : ''}`).toBeUndefined();
      }
  });

  it('registered through grammY, every language’s menu is taken and holds what was built', async () => {
    fake = await startFakeTelegram();
    const api = new Bot(fake.token, { client: { apiRoot: fake.apiRoot } }).api;
    const warnings: unknown[] = [];
    const log = { info: () => {}, warn: (...args: unknown[]) => warnings.push(args) };
    const admin = fake.world.users.alice.id;
    await registerSharedMenus(api, COMMANDS, log);
    await registerAdminMenus(api, COMMANDS, [`telegram:${admin}`], log);
    expect(warnings).toEqual([]);
    const calls = fake.callsTo('setMyCommands');
    expect(calls).toHaveLength(SUPPORTED_LOCALES.length * 2);
    expect(calls.filter((call) => call.status !== 200).map((call) => call.error)).toEqual([]);
    for (const locale of SUPPORTED_LOCALES) {
      const code = PLATFORM_TAGS[locale].telegram ?? '';
      expect(fake.commands(code), locale).toEqual(toTelegramCommands(locale, COMMANDS));
      expect(fake.commands(code, 'chat', admin), locale).toEqual(toTelegramCommands(locale, COMMANDS, true));
    }
  });
});
