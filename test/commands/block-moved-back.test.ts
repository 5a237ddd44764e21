// /block and /unblock follow a chat's moves back from the id named to the ids it had before: an admin named by its
// old id is still refused under the new one, and the copies its old ids kept are lifted with it. An /unblock of
// anyone else reads only their own rows, however many users are blocked (it once read every block's moves).
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JobStore } from '../../src/jobs/index.js';
import { blockSetup, closeBlockSetups, lines } from './block-harness.js';

afterEach(closeBlockSetups);

const OLD = '-4001';
const NEW = '-1004001';
const [A, B, C] = ['-11', '-22', '-1000033'];
/** More blocked users than an /unblock of one of them may read the settings of. */
const MANY = 40;

describe('/block of a chat whose earlier id is an admin', () => {
  it('is refused by its new id, naming the old one', async () => {
    const { commands, store, admin } = blockSetup(undefined, [OLD, A]);
    commands.chatMoved('telegram', OLD, NEW);
    expect(lines(await commands.runText(admin(), `/block ${NEW} spam`))).toEqual([
      { key: 'errors.block.admin', params: { user: OLD } },
    ]);
    // At the end of two moves too.
    commands.chatMoved('telegram', A, B);
    commands.chatMoved('telegram', B, C);
    expect(lines(await commands.runText(admin(), `/block ${C} spam`))).toEqual([
      { key: 'errors.block.admin', params: { user: A } },
    ]);
    expect(store.blocks.list('telegram')).toEqual([]);
  });
});

describe('/unblock with many users blocked', () => {
  it("reads no other block's moves for a user's id, on either platform", async () => {
    const { commands, store, admin } = blockSetup();
    for (const platform of ['telegram', 'discord'] as const)
      for (let i = 1; i <= MANY; i++) await commands.runText(admin(platform), `/block ${1000 + i}`);
    const reads = vi.spyOn(store, 'settings');
    for (const platform of ['telegram', 'discord'] as const) {
      reads.mockClear();
      expect(lines(await commands.runText(admin(platform), '/unblock 1001'))).toEqual([
        { key: 'unblock.done', params: { user: '1001' } },
      ]);
      expect(reads.mock.calls.length).toBeLessThan(10);
    }
  });

  it("still lifts the copy a chat's old id kept, named by its new id", async () => {
    const { commands, store, admin } = blockSetup();
    for (let i = 1; i <= MANY; i++) await commands.runText(admin(), `/block ${1000 + i}`);
    await commands.runText(admin(), `/block ${OLD} spam`);
    commands.chatMoved('telegram', OLD, NEW);
    const reads = vi.spyOn(store, 'settings');
    expect(lines(await commands.runText(admin(), `/unblock ${NEW}`))).toEqual([
      { key: 'unblock.done', params: { user: NEW } },
    ]);
    expect(reads.mock.calls.length).toBeLessThan(10);
    expect(store.blocks.list('telegram').map((entry) => entry.user)).not.toContain(`telegram:${OLD}`);
    expect(store.blocks.list('telegram')).toHaveLength(MANY);
  });

  it('lifts the copy of a move stored before moves were followed back, reading no other block', async () => {
    const first = blockSetup();
    for (let i = 1; i <= MANY; i++) await first.commands.runText(first.admin(), `/block -${1000 + i}`);
    await first.commands.runText(first.admin(), `/block ${OLD} spam`);
    storeLegacyMove(first.store, OLD, NEW);
    first.store.blocks.block({ ...first.store.blocks.get(`telegram:${OLD}`)!, user: `telegram:${NEW}` });
    // The first run of the code that keeps where ids came from, over moves stored before it.
    const { commands, store, admin } = blockSetup(first.dir);
    const reads = vi.spyOn(store, 'settings');
    expect(lines(await commands.runText(admin(), `/unblock ${NEW}`))).toEqual([
      { key: 'unblock.done', params: { user: NEW } },
    ]);
    expect(reads.mock.calls.length).toBeLessThan(10);
    expect(store.blocks.list('telegram')).toHaveLength(MANY);
    expect(store.blocks.get(`telegram:${OLD}`)).toBeUndefined();
  });
});

describe('a move stored before moves were followed back', () => {
  it('still refuses /block of the new id of a chat whose old id is an admin', async () => {
    const first = blockSetup(undefined, [OLD]);
    storeLegacyMove(first.store, OLD, NEW);
    const { commands, store, admin } = blockSetup(first.dir, [OLD]);
    expect(lines(await commands.runText(admin(), `/block ${NEW} spam`))).toEqual([
      { key: 'errors.block.admin', params: { user: OLD } },
    ]);
    expect(store.blocks.list('telegram')).toEqual([]);
    // Backfilled once, without doubling what a later move or a second pass writes.
    commands.chatMoved('telegram', OLD, NEW);
    expect(store.settings(`movedfrom:telegram:${NEW}`)).toEqual({ from: [OLD] });
  });
});

describe('/block list with many users blocked', () => {
  it('reads no moves of an id that cannot move: a user, or anyone on Discord', async () => {
    const { commands, store, admin } = blockSetup();
    for (const platform of ['telegram', 'discord'] as const)
      for (let i = 1; i <= MANY; i++) await commands.runText(admin(platform), `/block ${1000 + i}`);
    await commands.runText(admin(), `/block ${OLD} spam`);
    commands.chatMoved('telegram', OLD, NEW);
    const reads = vi.spyOn(store, 'settings');
    for (const platform of ['telegram', 'discord'] as const) {
      reads.mockClear();
      const listed = lines(await commands.runText(admin(platform), '/block'));
      expect(listed?.[0]).toEqual({
        key: 'block.list',
        params: { count: MANY + (platform === 'telegram' ? 1 : 0) },
      });
      expect(reads.mock.calls.length).toBeLessThan(10);
    }
  });
});

/** As chat-moves.ts stored a move before it kept where ids came from: the forward row alone. */
function storeLegacyMove(store: JobStore, from: string, to: string): void {
  store.saveSettings(`moved:telegram:${from}`, { to });
}
