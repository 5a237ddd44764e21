// A chat that goes on under a new id (Commands.chatMoved, commands/chat-moves.ts): the identity that speaks as the chat
// itself keeps its settings, custom options and block under the new owner key, without overwriting what that key
// holds, however often the move is said. Where it went is asked back by id (Commands.movedTo), every chat's.
import { describe, expect, it } from 'vitest';
import type { UserSettings } from '../../commands/settings.js';
import type { JobStore } from '../../src/jobs/index.js';
import { commandsOnQueue } from './commands-on-queue.js';

function setup() {
  const warned: string[] = [];
  const { commands, store } = commandsOnQueue('chat-moved', {
    paceKnown: false,
    start: false,
    queue: { admins: ['telegram:900'] },
    commands: { now: () => 1_000_000, log: (_level, message) => warned.push(message) },
  });
  return { commands, store, warned };
}

const OLD = '-4343';
const NEW = '-1004343';
const settingsOf = (store: JobStore, id: string) => store.settings<UserSettings>(`telegram:${id}`);

describe('Commands.chatMoved', () => {
  it('carries settings, custom options and a block to the new key, once, however often it is said', () => {
    const { commands, store } = setup();
    const chosen: UserSettings = { steps: 20, private: true, options: { cine: 'cinematic light' } };
    store.saveSettings(`telegram:${OLD}`, chosen);
    store.blocks.block({ user: `telegram:${OLD}`, by: 'telegram:900', at: 5, reason: 'spam' });

    commands.chatMoved('telegram', OLD, NEW);
    expect(settingsOf(store, NEW)).toEqual(chosen);
    expect(store.blocks.get(`telegram:${NEW}`)).toEqual({
      user: `telegram:${NEW}`,
      by: 'telegram:900',
      at: 5,
      reason: 'spam',
    });

    // The new identity's own choice stands when the move is said again (the other chat's service message).
    store.saveSettings(`telegram:${NEW}`, { steps: 32 });
    commands.chatMoved('telegram', OLD, NEW);
    expect(settingsOf(store, NEW)).toEqual({ steps: 32 });
    // The old identity is left as it was.
    expect(settingsOf(store, OLD)).toEqual(chosen);
    expect(store.blocks.get(`telegram:${OLD}`)?.reason).toBe('spam');
  });

  it('neither overwrites what the new key holds nor lifts its block; nothing to carry is no change', () => {
    const { commands, store, warned } = setup();
    store.saveSettings(`telegram:${OLD}`, { steps: 20 });
    store.saveSettings(`telegram:${NEW}`, { aspect: '16:9' });
    store.blocks.block({ user: `telegram:${NEW}`, by: 'telegram:901', at: 9 });
    commands.chatMoved('telegram', OLD, NEW);
    expect(settingsOf(store, NEW)).toEqual({ aspect: '16:9' });
    expect(store.blocks.get(`telegram:${NEW}`)?.by).toBe('telegram:901');

    commands.chatMoved('telegram', '-1', '-1001');
    expect(settingsOf(store, '-1001')).toBeUndefined();
    expect(store.blocks.get('telegram:-1001')).toBeUndefined();
    expect(warned).toEqual([]);
  });

  it('settings saved empty are none: the old ones fill them', () => {
    const { commands, store } = setup();
    store.saveSettings(`telegram:${OLD}`, { steps: 20 });
    store.saveSettings(`telegram:${NEW}`, {});
    commands.chatMoved('telegram', OLD, NEW);
    expect(settingsOf(store, NEW)).toEqual({ steps: 20 });
  });

  it('movedTo: the last id a chat went on under, none where it never moved; a store that cannot say is none', () => {
    const { commands, store, warned } = setup();
    expect(commands.movedTo('telegram', OLD)).toBeUndefined();
    commands.chatMoved('telegram', OLD, NEW);
    commands.chatMoved('telegram', NEW, '-1009999');
    expect(commands.movedTo('telegram', OLD)).toBe('-1009999');
    expect(commands.movedTo('telegram', NEW)).toBe('-1009999');
    expect(commands.movedTo('telegram', '-1009999')).toBeUndefined();
    expect(commands.movedTo('discord', OLD)).toBeUndefined();

    store.close();
    expect(commands.movedTo('telegram', OLD)).toBeUndefined();
    expect(warned).toEqual(['where a chat moved could not be read']);
  });
});
