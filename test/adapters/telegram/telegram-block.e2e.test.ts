// /block on Telegram, end to end over the fake Bot API: an admin blocks the author of the message their /block
// replies to; the blocked user's commands are then refused once, and quietly after that (no group spam); the
// public command menu leaves /block out, each Telegram admin's own menu has it. Who is blocked is for admins alone:
// a list asked for in a group goes to the admin's private chat, and the group is told only where it went.
import type { Message } from 'grammy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { FakeTelegram, TelegramCall } from '../../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { startTelegramOnFake, type TelegramOnFake, textOf } from './telegram-on-fake.js';

let fake: FakeTelegram;
let bot: TelegramOnFake | undefined;

beforeAll(async () => {
  bot = await startTelegramOnFake('telegram-block', new TimedEngineDouble(5, 3), {
    // 4242 never started the bot; discord:777 is no Telegram user.
    env: { ADMIN_IDS: 'telegram:4242,telegram:1001,discord:777' },
  });
  ({ fake } = bot);
}, 60_000);

afterAll(async () => {
  await bot?.stop();
});

/** The bot's answer to `request` (a message replying to it). */
const answerTo = (request: Message) =>
  fake.waitForCall(
    (c) => c.method === 'sendMessage' && c.params.reply_parameters?.message_id === request.message_id,
    10_000,
  );

describe('Telegram /block', () => {
  it('blocks the replied-to author; their commands are refused once, then ignored', async () => {
    const { alice, bob } = fake.world.users;
    const spam = fake.injectText('buy cheap stuff', { chat: 'group', from: bob });
    const block = fake.injectText('/block spam', { chat: 'group', from: alice, replyTo: spam });
    expect(textOf(await answerTo(block))).toBe(t('en', 'block.done', { user: bob.id, cancelled: 0 }));

    const first = fake.injectText('/imagine a fox', { chat: 'group', from: bob });
    expect(textOf(await answerTo(first))).toBe(t('zh-CN', 'errors.blocked'));
    const again = fake.injectText('/imagine a fox', { chat: 'group', from: bob });
    // Updates of one chat are handled in order: once alice's /help is answered, bob's repeat was handled.
    const marker = fake.injectText('/help', { chat: 'group', from: alice });
    await answerTo(marker);
    const toAgain = fake.callsTo(
      (c) => c.method === 'sendMessage' && c.params.reply_parameters?.message_id === again.message_id,
    );
    expect(toAgain).toEqual([]);
    expect(
      fake.callsTo('sendMessage').filter((c) => textOf(c) === t('zh-CN', 'errors.blocked')),
    ).toHaveLength(1);

    // A non-admin may not block (nor unblock); the public menu does not list /block.
    const carol = { id: 1003, is_bot: false, first_name: 'Carol', language_code: 'en' } as const;
    const refused = fake.injectText(`/unblock ${bob.id}`, { chat: 'group', from: carol });
    expect(textOf(await answerTo(refused))).toBe(t('en', 'errors.admin_only'));
    expect(JSON.stringify(fake.commands(''))).not.toContain('"block"');
    expect(JSON.stringify(fake.commands(''))).toContain('"imagine"');
  });

  it('answers a bare /block or /unblock in a private chat there, as before', async () => {
    const { alice } = fake.world.users;
    for (const command of ['/block', '/unblock']) {
      const request = fake.injectText(command, { from: alice });
      const answer = await answerTo(request);
      expect(answer.params.chat_id).toBe(alice.id);
      expect(textOf(answer).split('\n')[0]).toBe(listHeader());
    }
  });

  it('sends the list asked for in a group to the admin privately; the group is told only that', async () => {
    const { alice } = fake.world.users;
    for (const command of ['/block', '/unblock']) {
      const since = fake.calls.length;
      const request = fake.injectText(command, { chat: 'group', from: alice });
      expect(textOf(await answerTo(request))).toBe(t('en', 'block.list_sent_privately'));
      const sent = fake.calls.slice(since).filter((c) => c.method === 'sendMessage');
      const toAlice = sent.filter((c) => c.params.chat_id === alice.id);
      expect(toAlice.map((c) => textOf(c).split('\n')[0])).toEqual([listHeader()]);
      expect(toAlice[0]?.status).toBe(200);
      expect(sent.filter((c) => c.params.chat_id === fake.world.group.id).map(textOf)).toEqual([
        t('en', 'block.list_sent_privately'),
      ]);
    }
  });

  it.each([
    [403, "Forbidden: bot can't initiate conversation with a user"],
    [403, 'Forbidden: bot was blocked by the user'],
    [400, 'Bad Request: chat not found'],
  ])(
    'says in the group how to get the list when the admin cannot be written to (%i %s)',
    async (errorCode, description) => {
      const { alice } = fake.world.users;
      fake.failSendsTo(alice.id, { errorCode, description });
      const since = fake.calls.length;
      const request = fake.injectText('/block', { chat: 'group', from: alice });
      expect(textOf(await answerTo(request))).toBe(t('en', 'errors.block.list_private'));
      const sent = fake.calls.slice(since).filter((c) => c.method === 'sendMessage');
      // The one private try was refused, and the list went nowhere else.
      expect(sent.filter((c) => c.params.chat_id === alice.id).map((c) => c.status)).toEqual([errorCode]);
      expect(sent.filter((c) => c.params.chat_id === fake.world.group.id).map(textOf)).toEqual([
        t('en', 'errors.block.list_private'),
      ]);
    },
  );

  it("gives each Telegram admin a private menu with /block and /unblock, in every language of everyone's", async () => {
    const { alice } = fake.world.users;
    const menuCall = (chatId?: number) => (c: TelegramCall) =>
      c.method === 'setMyCommands' && c.params.scope?.chat_id === chatId;
    const languageOf = (c: TelegramCall) => String(c.params.language_code ?? '');
    const shared = fake.callsTo(menuCall(undefined)).map(languageOf);
    expect(shared).toHaveLength(9);
    const own = await fake.waitForCalls(menuCall(alice.id), shared.length, 10_000);
    expect(own.map((c) => [c.params.scope?.type, languageOf(c)])).toEqual(
      shared.map((code) => ['chat', code]),
    );
    for (const code of shared) {
      const names = (fake.commands(code, 'chat', alice.id) ?? []).map((c) => c.command);
      expect(names).toEqual(expect.arrayContaining(['block', 'unblock', 'imagine']));
      // Everyone's menu in the same language, and the admin commands.
      expect(names.filter((name) => name !== 'block' && name !== 'unblock')).toEqual(
        (fake.commands(code) ?? []).map((c) => c.command),
      );
    }
    // The admin who never started the bot (registered first): one refused call, and start-up went on.
    expect(fake.callsTo(menuCall(4242)).map((c) => c.error)).toEqual(['Bad Request: chat not found']);
    expect(fake.callsTo(menuCall(777))).toEqual([]);
  });
});

/** The first line of the Telegram block list as it stands. */
function listHeader(): string {
  const count = bot?.services.jobs.store.blocks.list('telegram').length ?? 0;
  return count === 0 ? t('en', 'block.none') : t('en', 'block.list', { count });
}
