// A group upgraded to a supergroup, then a restart: the upgrade is kept in the store (commands/chat-moves.ts, every
// group's, whether or not TELEGRAM_CHAT_IDS is set), and the next run's sends still naming the old id (here the
// notice of an update from the old chat given up) go straight to the new chat (migrations.ts asks
// `commands.movedTo`), with no call Telegram refuses first.
import type { Chat } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { TelegramCall } from '../../doubles/fake-telegram/index.js';
import { useInboxWorld } from './inbox-world.js';
import { textOf } from './telegram-on-fake.js';

const world = useInboxWorld();

const OLD: Chat.GroupChat = { id: -4646, type: 'group', title: 'A Group' };
const NEW: Chat.SupergroupChat = { id: -1004646, type: 'supergroup', title: 'A Group' };

describe('Telegram: an upgrade remembered across a restart', { timeout: 60_000 }, () => {
  it.each([
    ['without TELEGRAM_CHAT_IDS', {}],
    ['with the group on TELEGRAM_CHAT_IDS', { TELEGRAM_CHAT_IDS: String(OLD.id) }],
  ])('%s: sends naming the old id go to the new chat at once, none refused first', async (_, env) => {
    const { fake } = world;
    const { alice } = fake.world.users;
    await world.upgradedThenStopped(env, OLD, NEW);

    // Sent in the old chat before the upgrade, its handling killed twice: the notice names the old id.
    const request = fake.state.compose(OLD, { text: '/imagine a lost fox', from: alice });
    fake.state.store(request);
    world.keptTriedTwice(fake.lastUpdateId + 1, request);
    const restarted = fake.calls.length;
    const sentTo = (chatId: number) => (c: TelegramCall) =>
      fake.calls.indexOf(c) >= restarted && c.method === 'sendMessage' && Number(c.params.chat_id) === chatId;

    await world.startHere(env);
    const told = await fake.waitForCall(sentTo(NEW.id), 10_000);
    expect(textOf(told)).toBe(t('en', 'errors.telegram.update_given_up'));
    expect(fake.callsTo(sentTo(OLD.id))).toEqual([]);
  });
});
