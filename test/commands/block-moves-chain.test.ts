// /block and /unblock of a chat named by any id it had: the one it speaks with now, an older one, or one in the middle
// of several moves (A → B → C). Every id of the chat is the chat: its waiting jobs under any of them are cancelled,
// an admin among them is named, and the list shows it once, or not at all once it is let back.
import { afterEach, describe, expect, it } from 'vitest';
import { blockSetup, closeBlockSetups, lines } from './block-harness.js';

afterEach(closeBlockSetups);

const OLD = '-4001';
const NEW = '-1004001';
const [A, B, C] = ['-11', '-22', '-1000033'];

const imagine = { name: 'imagine', options: { prompt: 'a fox' } };

describe('/block of a chat by any id it had', () => {
  it('named by its new id, cancels the jobs it queued under its old one', async () => {
    const { commands, queue, admin, as } = blockSetup();
    await commands.run(as(OLD), imagine);
    commands.chatMoved('telegram', OLD, NEW);
    await commands.run(as(NEW), imagine);
    await commands.run(as('77'), imagine);
    expect(lines(await commands.runText(admin(), `/block ${NEW} spam`))).toEqual([
      { key: 'block.done', params: { user: NEW, cancelled: 2 } },
    ]);
    expect(queue.plannedOrder().map((job) => job.owner.userId)).toEqual(['77']);
  });

  it('named by the first of two moves, cancels the jobs under every id, and blocks the last', async () => {
    const { commands, queue, store, admin, as } = blockSetup();
    await commands.run(as(A), imagine);
    commands.chatMoved('telegram', A, B);
    await commands.run(as(B), imagine);
    commands.chatMoved('telegram', B, C);
    await commands.run(as(C), imagine);
    expect(lines(await commands.runText(admin(), `/block ${A} spam`))).toEqual([
      { key: 'block.moved', params: { user: A, to: C } },
      { key: 'block.done', params: { user: C, cancelled: 3 } },
    ]);
    expect(queue.plannedOrder()).toEqual([]);
    expect(store.blocks.get(`telegram:${C}`)?.reason).toBe('spam');
  });

  it('refuses a chat one of whose later ids is an admin, naming that id', async () => {
    const { commands, store, admin } = blockSetup(undefined, [NEW, B]);
    commands.chatMoved('telegram', OLD, NEW);
    expect(lines(await commands.runText(admin(), `/block ${OLD} spam`))).toEqual([
      { key: 'errors.block.admin', params: { user: NEW } },
    ]);
    // In the middle of two moves too.
    commands.chatMoved('telegram', A, B);
    commands.chatMoved('telegram', B, C);
    expect(lines(await commands.runText(admin(), `/block ${A} spam`))).toEqual([
      { key: 'errors.block.admin', params: { user: B } },
    ]);
    expect(store.blocks.list('telegram')).toEqual([]);
  });
});

describe("/block's list of a chat that moved twice", () => {
  const listed = async (
    commands: ReturnType<typeof blockSetup>['commands'],
    ctx: ReturnType<typeof blockSetup>['admin'],
  ) =>
    (await commands.runText(ctx(), '/block'))?.text.map((line) => [
      line.key,
      line.params?.user ?? line.params?.count,
    ]);

  it('shows it once while blocked, and not at all once /unblock of its last id lets it back', async () => {
    const { commands, store, admin } = blockSetup();
    await commands.runText(admin(), `/block ${A} spam`);
    commands.chatMoved('telegram', A, B);
    commands.chatMoved('telegram', B, C);
    expect(await listed(commands, admin)).toEqual([
      ['block.list', 1],
      ['block.item', C],
    ]);
    expect(lines(await commands.runText(admin(), `/unblock ${C}`))).toEqual([
      { key: 'unblock.done', params: { user: C } },
    ]);
    expect(await listed(commands, admin)).toEqual([['block.none', undefined]]);
    expect(store.blocks.list('telegram')).toEqual([]);
  });

  it('shows a block left under old ids (a store from before) once, by the last id that holds one', async () => {
    const { commands, store, admin } = blockSetup();
    await commands.runText(admin(), `/block ${A} spam`);
    commands.chatMoved('telegram', A, B);
    commands.chatMoved('telegram', B, C);
    store.blocks.unblock(`telegram:${C}`);
    expect(await listed(commands, admin)).toEqual([
      ['block.none', undefined],
      ['block.item_moved', B],
    ]);
  });
});
