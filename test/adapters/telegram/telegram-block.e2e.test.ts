// /block on Telegram, end to end over the fake Bot API: an admin blocks the author of the message their /block
// replies to; the blocked user's commands are then refused once, and quietly after that (no group spam); the
// public command menu leaves /block out.
import type { Message } from 'grammy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { FakeTelegram } from '../../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { startTelegramOnFake, type TelegramOnFake, textOf } from './telegram-on-fake.js';

let fake: FakeTelegram;
let bot: TelegramOnFake | undefined;

beforeAll(async () => {
  bot = await startTelegramOnFake('telegram-block', new TimedEngineDouble(5, 3), {
    env: { ADMIN_IDS: 'telegram:1001' },
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
});
