// A group on TELEGRAM_CHAT_IDS upgraded to a supergroup, then a restart: the upgrade is remembered in
// `telegram-chat-moves.json` (allowed-chats.ts), and the next run's sends still naming the old id (here the notice of
// an update from the old chat given up) go straight to the new chat (migrations.ts, seeded from that file), with no
// call Telegram refuses first.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Chat, Message } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { TelegramCall } from '../../doubles/fake-telegram/index.js';
import { answers, useInboxWorld } from './inbox-world.js';
import { textOf } from './telegram-on-fake.js';

const world = useInboxWorld();

const OLD: Chat.GroupChat = { id: -4646, type: 'group', title: 'Listed Group' };
const NEW: Chat.SupergroupChat = { id: -1004646, type: 'supergroup', title: 'Listed Group' };
const env = { TELEGRAM_CHAT_IDS: String(OLD.id) };

/** `message` kept in the inbox as an update whose handling was tried twice already: the next start gives it up. */
function keptTriedTwice(updateId: number, message: Message): void {
  const db = new Database(join(world.dataDir, 'jobs.sqlite'));
  try {
    db.prepare('INSERT INTO inbox (update_id, received_at, attempts, body) VALUES (?, ?, 2, ?)').run(
      updateId,
      Date.now(),
      JSON.stringify({ update_id: updateId, message }),
    );
  } finally {
    db.close();
  }
}

describe('Telegram: an upgrade remembered across a restart', { timeout: 60_000 }, () => {
  it('sends naming the old id go to the new chat at once, none refused first', async () => {
    const { fake } = world;
    const { alice } = fake.world.users;
    fake.state.chats.set(OLD.id, OLD);
    await world.startHere(env);
    fake.upgradeGroup(OLD.id, NEW);
    const after = fake.injectText('/help', { chat: NEW, from: alice });
    await fake.waitForCall(answers(after), 10_000);
    await world.stopHere();

    // Sent in the old chat before the upgrade, its handling killed twice: the notice names the old id.
    const request = fake.state.compose(OLD, { text: '/imagine a lost fox', from: alice });
    fake.state.store(request);
    keptTriedTwice(fake.lastUpdateId + 1, request);
    const restarted = fake.calls.length;
    const sentTo = (chatId: number) => (c: TelegramCall) =>
      fake.calls.indexOf(c) >= restarted && c.method === 'sendMessage' && Number(c.params.chat_id) === chatId;

    await world.startHere(env);
    const told = await fake.waitForCall(sentTo(NEW.id), 10_000);
    expect(textOf(told)).toBe(t('en', 'errors.telegram.update_given_up'));
    expect(fake.callsTo(sentTo(OLD.id))).toEqual([]);
  });
});
