// The moves an old deployment kept only in telegram-chat-moves.json are carried into the store at start
// (allowed-chats.ts `carryOldMoves`), the file read once and what was read handed to the allowlist, as bot.ts does.
// Only a group's upgrade is taken from it, and none that would lead a chat back to an id it left.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allowedChats, CHAT_MOVES_FILE, carryOldMoves } from '../../../adapters/telegram/allowed-chats.js';
import { commandsOnQueue } from '../../commands/commands-on-queue.js';

function setUp() {
  const { commands, store, dir } = commandsOnQueue('carry-old-moves', {
    paceKnown: false,
    start: false,
    queue: { admins: ['telegram:900'] },
    commands: { now: () => 1_000_000, log: () => {} },
  });
  const warned: string[] = [];
  const log = { warn: (_fields: unknown, message?: string) => void warned.push(String(message)) };
  const file = (text: string) => writeFileSync(join(dir, CHAT_MOVES_FILE), text);
  /** A start as bot.ts makes it: the moves carried, then the allowlist (listing `listed`) given what was read. */
  const start = (listed: number[]) => allowedChats(listed, log, dir, carryOldMoves(commands, log, dir));
  return { commands, store, dir, warned, file, start };
}

describe('Telegram: moves carried from an old chat moves file at start', () => {
  it('a damaged file is read once: one warning, worded for a start with or without an allowlist', () => {
    const { warned, file, start } = setUp();
    file('{ not json');
    start([-1]);
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatch(/damaged/);
    // Both costs: sends to an old id (every start) and the allowlist (where one is set).
    expect(warned[0]).toMatch(/not redirected/);
    expect(warned[0]).toMatch(/TELEGRAM_CHAT_IDS/);
  });

  it('a move that is no group’s upgrade (a user’s id) is not taken: nothing of one user goes to another', () => {
    const { commands, store, warned, file, start } = setUp();
    store.blocks.block({ user: 'telegram:123', by: 'telegram:900', at: 5, reason: 'spam' });
    file(JSON.stringify({ moves: { '123': 456, '-5': 5, '-7': -1007 } }));
    const allowlist = start([123, -5]);
    expect(store.blocks.get('telegram:456')).toBeUndefined();
    expect(commands.movedTo('telegram', '-5')).toBeUndefined();
    expect(commands.movedTo('telegram', '-7')).toBe('-1007');
    expect([allowlist.serves(456), allowlist.serves(5)]).toEqual([false, false]);
    expect(warned.some((message) => /no group's upgrade/.test(message))).toBe(true);
  });

  it('a move leading back to an id the chat left (the store has it moved the other way) is not carried', () => {
    const { commands, warned, file, start } = setUp();
    commands.chatMoved('telegram', '-2', '-1');
    file(JSON.stringify({ moves: { '-1': -2 } }));
    start([]);
    expect(commands.movedTo('telegram', '-1')).toBeUndefined();
    expect(commands.movedTo('telegram', '-2')).toBe('-1');
    expect(warned.some((message) => /goes back/.test(message))).toBe(true);
  });

  it('a move the store continues is carried: the old id goes to the latest one', () => {
    const { commands, file, start } = setUp();
    commands.chatMoved('telegram', '-2', '-3');
    file(JSON.stringify({ moves: { '-1': -2 } }));
    start([]);
    expect(commands.movedTo('telegram', '-1')).toBe('-3');
  });
});
