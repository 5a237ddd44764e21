// /unblock naming a Telegram chat by an id it no longer has: a group upgraded to a supergroup had its block carried to
// its new id (commands.chatMoved), and the admin who types the old id means that chat: the block is lifted under both
// ids, and the answer says the chat's new id. Remembered in the store, so this holds after a restart too.
import { afterEach, describe, expect, it } from 'vitest';
import { blockSetup, closeBlockSetups, lines } from './block-harness.js';

afterEach(closeBlockSetups);

const OLD = '-4001';
const NEW = '-1004001';

/** Commands over a real store and queue (not started). */
function setup(dir?: string) {
  const { admin, ...rest } = blockSetup(dir);
  return { ...rest, admin: () => admin() };
}

describe('/unblock of a chat that moved to a new id', () => {
  it('lifts the block carried to the new id too, and names it', async () => {
    const { commands, store, admin } = setup();
    await commands.runText(admin(), `/block ${OLD} spam`);
    commands.chatMoved('telegram', OLD, NEW);
    expect(store.blocks.get(`telegram:${NEW}`)?.reason).toBe('spam');
    expect(lines(await commands.runText(admin(), `/unblock ${OLD}`))).toEqual([
      { key: 'unblock.done', params: { user: OLD } },
      { key: 'unblock.moved', params: { user: OLD, to: NEW } },
    ]);
    expect(store.blocks.get(`telegram:${OLD}`)).toBeUndefined();
    expect(store.blocks.get(`telegram:${NEW}`)).toBeUndefined();
  });

  it('after a restart too; a moved chat blocked under neither id is still not blocked', async () => {
    const first = setup();
    await first.commands.runText(first.admin(), `/block ${OLD} spam`);
    first.commands.chatMoved('telegram', OLD, NEW);
    // The old id's block already lifted (as /unblock of it used to do): the new id's still holds the chat.
    first.store.blocks.unblock(`telegram:${OLD}`);
    const { commands, store, admin } = setup(first.dir);
    expect(lines(await commands.runText(admin(), `/unblock ${OLD}`))).toEqual([
      { key: 'unblock.done', params: { user: OLD } },
      { key: 'unblock.moved', params: { user: OLD, to: NEW } },
    ]);
    expect(store.blocks.get(`telegram:${NEW}`)).toBeUndefined();
    expect(lines(await commands.runText(admin(), `/unblock ${OLD}`))).toEqual([
      { key: 'errors.block.not_blocked', params: { user: OLD } },
    ]);
  });
});
