// An upgrade followed by an old deployment, kept only in its telegram-chat-moves.json (allowed-chats.ts
// CHAT_MOVES_FILE: moves were not yet stored in jobs.sqlite): at start it is carried into the store once
// (commands.chatMoved, as a move Telegram tells of), so the first send still naming the old id goes to the new chat,
// with no call Telegram refuses first. The old file is left as it was.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Chat } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { CHAT_MOVES_FILE } from '../../../adapters/telegram/allowed-chats.js';
import { movesOf } from '../../../commands/chat-moves.js';
import { t } from '../../../src/i18n.js';
import type { TelegramCall } from '../../doubles/fake-telegram/index.js';
import { useInboxWorld } from './inbox-world.js';
import { textOf } from './telegram-on-fake.js';

const world = useInboxWorld();

const OLD: Chat.GroupChat = { id: -4747, type: 'group', title: 'A Group' };
const NEW: Chat.SupergroupChat = { id: -1004747, type: 'supergroup', title: 'A Group' };

describe('Telegram: an upgrade kept only in the old chat moves file', { timeout: 60_000 }, () => {
  it.each([
    ['without TELEGRAM_CHAT_IDS', {}],
    ['with the group on TELEGRAM_CHAT_IDS', { TELEGRAM_CHAT_IDS: String(OLD.id) }],
  ])('%s: the first send naming the old id goes to the new chat, none refused first', async (_, env) => {
    const { fake } = world;
    const { alice } = fake.world.users;
    // A store from before moves were kept in it: it holds none.
    await world.startHere(env);
    await world.stopHere();
    // Telegram moved the group long ago; only the old file says so.
    fake.state.chats.set(OLD.id, OLD);
    fake.state.chats.set(NEW.id, NEW);
    fake.state.migrated.set(OLD.id, NEW.id);
    const file = join(world.dataDir, CHAT_MOVES_FILE);
    const written = `${JSON.stringify({ moves: { [OLD.id]: NEW.id } }, null, 2)}\n`;
    writeFileSync(file, written);

    /** A start given up on a /imagine sent in the old chat: where its notice went, the new chat and the old. */
    const startGivingUp = async (text: string) => {
      const request = fake.state.compose(OLD, { text, from: alice });
      fake.state.store(request);
      world.keptTriedTwice(fake.lastUpdateId + 1, request);
      const restarted = fake.calls.length;
      const sentTo = (chatId: number) => (c: TelegramCall) =>
        fake.calls.indexOf(c) >= restarted &&
        c.method === 'sendMessage' &&
        Number(c.params.chat_id) === chatId;
      const here = await world.startHere(env);
      const told = await fake.waitForCall(sentTo(NEW.id), 10_000);
      expect(textOf(told)).toBe(t('en', 'errors.telegram.update_given_up'));
      expect(fake.callsTo(sentTo(OLD.id))).toEqual([]);
      return here;
    };

    const here = await startGivingUp('/imagine a lost fox');
    // Carried into the store (what commands.movedTo reads); the user's file is not touched.
    expect(movesOf({ store: here.services.jobs.store }, 'telegram', String(OLD.id))).toEqual([
      String(NEW.id),
    ]);
    expect(readFileSync(file, 'utf8')).toBe(written);
    await world.stopHere();
    // The next start finds it there: the file gone, a send naming the old id still goes to the new chat.
    rmSync(file);
    await startGivingUp('/imagine a found fox');
  });
});
