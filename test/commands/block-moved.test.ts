// /block naming a Telegram chat by an id it no longer has: a group upgraded to a supergroup speaks only under its new
// id (commands.chatMoved), so a block under the old one would hold no one back. The admin who types the old id means
// that chat: the block goes on its new id, the answer says so, and /block's list shows the chat once, by the id it
// speaks with.
import { afterEach, describe, expect, it } from 'vitest';
import { t } from '../../src/i18n.js';
import { blockSetup, closeBlockSetups, lines } from './block-harness.js';

afterEach(closeBlockSetups);

const OLD = '-4001';
const NEW = '-1004001';

/** Commands over a real store and queue; the queue is not started, so submitted jobs wait. */
function setup() {
  const { admin, ...rest } = blockSetup();
  return { ...rest, admin: () => admin() };
}

describe('/block of a chat that moved to a new id', () => {
  it('blocks the id the chat speaks with now, and says so', async () => {
    const { commands, queue, store, admin, as } = setup();
    // One job the chat queued before it moved, one after.
    await commands.run(as(OLD), { name: 'imagine', options: { prompt: 'a fox' } });
    commands.chatMoved('telegram', OLD, NEW);
    await commands.run(as(NEW), { name: 'imagine', options: { prompt: 'an owl' } });
    expect(queue.plannedOrder()).toHaveLength(2);

    expect(lines(await commands.runText(admin(), `/block ${OLD} spam`))).toEqual([
      { key: 'block.moved', params: { user: OLD, to: NEW } },
      { key: 'block.done', params: { user: NEW, cancelled: 2 } },
    ]);
    expect(t('en', 'block.moved', { user: OLD, to: NEW })).toBe(
      'Chat -4001 has since moved to the new id -1004001: the block is on that id.',
    );
    expect(store.blocks.get(`telegram:${NEW}`)?.reason).toBe('spam');
    expect(store.blocks.get(`telegram:${OLD}`)).toBeUndefined();
    expect(queue.plannedOrder()).toEqual([]);
    expect(lines(await commands.run(as(NEW), { name: 'imagine', options: { prompt: 'again' } }))).toEqual([
      { key: 'errors.blocked', params: undefined },
    ]);

    const list = await commands.runText(admin(), '/block');
    expect(list?.text.map((line) => [line.key, line.params?.user])).toEqual([
      ['block.list', undefined],
      ['block.item', NEW],
    ]);
    // Named by its old id again, the block is lifted where it is.
    expect(lines(await commands.runText(admin(), `/unblock ${OLD}`))).toEqual([
      { key: 'unblock.done', params: { user: OLD } },
      { key: 'unblock.moved', params: { user: OLD, to: NEW } },
    ]);
    expect(store.blocks.list('telegram')).toEqual([]);
  });

  it('lists a chat blocked before it moved once, by its new id; /unblock of that id lifts the old one too', async () => {
    const { commands, store, admin } = setup();
    await commands.runText(admin(), `/block ${OLD} spam`);
    // The move carries the block to the new id and keeps the old one's.
    commands.chatMoved('telegram', OLD, NEW);
    const listed = async () =>
      (await commands.runText(admin(), '/block'))?.text.map((line) => [
        line.key,
        line.params?.user,
        line.params?.to,
      ]);
    expect(await listed()).toEqual([
      ['block.list', undefined, undefined],
      ['block.item', NEW, undefined],
    ]);
    expect((await commands.runText(admin(), '/block'))?.text[0]?.params).toEqual({ count: 1 });

    // Lifted under the new id: the copy the old id kept goes too, so the chat is listed under neither.
    expect(lines(await commands.runText(admin(), `/unblock ${NEW}`))).toEqual([
      { key: 'unblock.done', params: { user: NEW } },
    ]);
    expect(await listed()).toEqual([['block.none', undefined, undefined]]);
    expect(store.blocks.list('telegram')).toEqual([]);
  });

  it('lists a block an old id kept (a store from before) after the counted ones, uncounted', async () => {
    const { commands, store, admin } = setup();
    await commands.runText(admin(), `/block ${OLD} spam`);
    commands.chatMoved('telegram', OLD, NEW);
    // As /unblock of the new id used to leave it: the chat is not blocked, its old id's block is.
    store.blocks.unblock(`telegram:${NEW}`);
    const list = async () => lines(await commands.runText(admin(), '/block'));
    expect((await list())?.map(({ key }) => key)).toEqual(['block.none', 'block.item_moved']);
    await commands.runText(admin(), '/block 77 flood');
    expect((await list())?.map(({ key, params }) => [key, params?.count ?? params?.user])).toEqual([
      ['block.list', 1],
      ['block.item', '77'],
      ['block.item_moved', OLD],
    ]);
  });
});
