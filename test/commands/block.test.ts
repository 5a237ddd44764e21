// /block and /unblock, and the one check every entry of a blocked user passes (commands/blocked.ts): commands,
// typed lines, buttons, answers, replies to a result or an image, and suggestions.
import { afterEach, describe, expect, it } from 'vitest';
import { QUIET_MS } from '../../commands/blocked.js';
import type { CommandContext } from '../../commands/commands.js';
import type { Reply } from '../../commands/reply.js';
import { encodePng } from '../../engine/index.js';
import { t } from '../../src/i18n.js';
import type { Platform } from '../../src/jobs/index.js';
import { ADMIN, blockSetup, closeBlockSetups, keys } from './block-harness.js';

afterEach(closeBlockSetups);

/** Commands over a real store and queue; the queue is not started, so submitted jobs wait. Speaking in guild 1. */
function setup(dir?: string) {
  const harness = blockSetup(dir);
  const ctx = (userId: string, platform: Platform = 'discord', repliedUser?: string): CommandContext =>
    harness.commands.context({ user: { platform, userId }, scope: 'guild:1', language: 'en', repliedUser });
  return { ...harness, ctx };
}

const png = () => encodePng({ width: 32, height: 32, data: new Uint8Array(32 * 32 * 3).fill(90) });

describe('/block', () => {
  it('is refused to a non-admin, and /help lists it to admins only', async () => {
    const { commands, ctx, store } = setup();
    expect(keys(await commands.run(ctx('1'), { name: 'block', options: { user: '2' } }))).toEqual([
      'errors.admin_only',
    ]);
    expect(keys(await commands.run(ctx('1'), { name: 'unblock', options: { user: '2' } }))).toEqual([
      'errors.admin_only',
    ]);
    expect(store.blocks.get('discord:2')).toBeUndefined();
    const listed = (reply: Reply) => reply.text.map((line) => line.params?.command).filter(Boolean);
    expect(listed(await commands.run(ctx('1'), { name: 'help' }))).not.toContain('block');
    expect(listed(await commands.run(ctx(ADMIN), { name: 'help' }))).toEqual(
      expect.arrayContaining(['block', 'unblock']),
    );
  });

  it('blocks a user, cancels their waiting jobs, and says how many', async () => {
    const { commands, ctx, store, queue } = setup();
    const first = await commands.run(ctx('7'), { name: 'imagine', options: { prompt: 'a fox' } });
    const second = await commands.run(ctx('7'), { name: 'imagine', options: { prompt: 'a hare' } });
    const other = await commands.run(ctx('8'), { name: 'imagine', options: { prompt: 'an owl' } });
    const reply = await commands.run(ctx(ADMIN), { name: 'block', options: { user: '7', reason: 'spam' } });
    expect(reply.text).toEqual([{ key: 'block.done', params: { user: '7', cancelled: 2 } }]);
    expect(reply.ephemeral).toBe(true);
    expect(t('en', 'block.done', reply.text[0]?.params)).toContain('cancelled: 2');
    expect(queue.get(first.jobId as string)?.status).toBe('cancelled');
    expect(queue.get(second.jobId as string)?.status).toBe('cancelled');
    expect(queue.get(other.jobId as string)?.status).toBe('queued');
    expect(store.blocks.get('discord:7')).toEqual({
      user: 'discord:7',
      by: `discord:${ADMIN}`,
      at: 1_000_000,
      reason: 'spam',
    });
  });

  it('refuses to block an admin (ADMIN_IDS or vouched by the platform) or oneself', async () => {
    const { commands, ctx, store } = setup();
    const admin = ctx(ADMIN);
    expect(keys(await commands.run(admin, { name: 'block', options: { user: ADMIN } }))).toEqual([
      'errors.block.self',
    ]);
    const roleAdmin = ctx('5', 'discord');
    roleAdmin.isAdmin = true;
    expect(keys(await commands.run(roleAdmin, { name: 'block', options: { user: ADMIN } }))).toEqual([
      'errors.block.admin',
    ]);
    // A member picked in the user option who holds an admin role (the Discord adapter says so).
    const picking = ctx(ADMIN);
    picking.namedAdmins = ['6'];
    expect(keys(await commands.run(picking, { name: 'block', options: { user: '6' } }))).toEqual([
      'errors.block.admin',
    ]);
    expect(store.blocks.list('discord')).toEqual([]);
  });

  it('lists the blocked users, asks for a user when only a reason came, and unblocks', async () => {
    const { commands, ctx, advance } = setup();
    expect(keys(await commands.run(ctx(ADMIN), { name: 'block' }))).toEqual(['block.none']);
    await commands.run(ctx(ADMIN), { name: 'block', options: { user: '11', reason: 'flood' } });
    advance(60_000);
    await commands.run(ctx(ADMIN), { name: 'block', options: { user: '12' } });
    const list = await commands.run(ctx(ADMIN), { name: 'block' });
    expect(list.ephemeral).toBe(true);
    expect(list.text).toEqual([
      { key: 'block.list', params: { count: 2 } },
      { key: 'block.item', params: { user: '12', by: ADMIN, date: '1970-01-01 00:17 UTC', reason: '—' } },
      { key: 'block.item', params: { user: '11', by: ADMIN, date: '1970-01-01 00:16 UTC', reason: 'flood' } },
    ]);
    expect(keys(await commands.run(ctx(ADMIN), { name: 'unblock' }))).toEqual([
      'block.list',
      'block.item',
      'block.item',
    ]);
    expect(keys(await commands.run(ctx(ADMIN), { name: 'block', options: { reason: 'who?' } }))).toEqual([
      'errors.block.user_missing',
    ]);
    expect(keys(await commands.run(ctx(ADMIN), { name: 'block', options: { user: '@someone' } }))).toEqual([
      'errors.block.user_invalid',
    ]);
    expect(keys(await commands.run(ctx(ADMIN), { name: 'unblock', options: { user: '11' } }))).toEqual([
      'unblock.done',
    ]);
    expect(keys(await commands.run(ctx(ADMIN), { name: 'unblock', options: { user: '11' } }))).toEqual([
      'errors.block.not_blocked',
    ]);
    expect(keys(await commands.run(ctx('11'), { name: 'queue' }))).not.toContain('errors.blocked');
    // Another platform's list is its own.
    expect(keys(await commands.run(ctx(ADMIN, 'telegram'), { name: 'block' }))).toEqual(['block.none']);
  });

  it('takes a typed id, or on Telegram the author of the replied-to message', async () => {
    const { commands, ctx, store } = setup();
    expect(keys(await commands.runText(ctx(ADMIN, 'telegram'), '/block 123456789 spam links'))).toEqual([
      'block.done',
    ]);
    expect(store.blocks.get('telegram:123456789')?.reason).toBe('spam links');
    // `/block flood` sent as a reply to user 555's message.
    await commands.runText(ctx(ADMIN, 'telegram', '555'), '/block flood');
    expect(store.blocks.get('telegram:555')?.reason).toBe('flood');
    // A bare `/block` as a reply blocks; a typed id wins over the replied-to author.
    await commands.runText(ctx(ADMIN, 'telegram', '556'), '/block');
    expect(store.blocks.get('telegram:556')).toBeDefined();
    await commands.runText(ctx(ADMIN, 'telegram', '557'), '/block 558');
    expect(store.blocks.get('telegram:558')).toBeDefined();
    expect(store.blocks.get('telegram:557')).toBeUndefined();
    await commands.runText(ctx(ADMIN, 'telegram', '555'), '/unblock');
    expect(store.blocks.get('telegram:555')).toBeUndefined();
    // Without a reply or an id, /block lists.
    expect(keys(await commands.runText(ctx(ADMIN, 'telegram'), '/block'))?.[0]).toBe('block.list');
  });

  it("takes a Telegram chat's own negative id (an anonymous admin, a channel), typed or as a reply; not on Discord", async () => {
    const { commands, ctx, store } = setup();
    const chat = '-1001234567890';
    expect(keys(await commands.runText(ctx(ADMIN, 'telegram'), `/block ${chat} spam`))).toEqual([
      'block.done',
    ]);
    expect(store.blocks.get(`telegram:${chat}`)?.reason).toBe('spam');
    expect(keys(await commands.runText(ctx(ADMIN, 'telegram'), `/unblock ${chat}`))).toEqual([
      'unblock.done',
    ]);
    expect(store.blocks.get(`telegram:${chat}`)).toBeUndefined();
    // `/block flood` as a reply to a message sent on behalf of the chat, and /unblock as a reply to another.
    await commands.runText(ctx(ADMIN, 'telegram', chat), '/block flood');
    expect(store.blocks.get(`telegram:${chat}`)?.reason).toBe('flood');
    expect(keys(await commands.runText(ctx(ADMIN, 'telegram', chat), '/unblock'))).toEqual(['unblock.done']);
    expect(store.blocks.get(`telegram:${chat}`)).toBeUndefined();
    // A block carried to a moved chat's new id (commands.chatMoved) can be lifted there.
    await commands.runText(ctx(ADMIN, 'telegram'), '/block -4001');
    commands.chatMoved('telegram', '-4001', '-1004001');
    expect(keys(await commands.runText(ctx(ADMIN, 'telegram'), '/unblock -1004001'))).toEqual([
      'unblock.done',
    ]);
    expect(store.blocks.get('telegram:-1004001')).toBeUndefined();
    // Discord's ids are never negative: typed or as an option, one is no user.
    for (const refused of [
      await commands.runText(ctx(ADMIN), `/block ${chat} spam`),
      await commands.run(ctx(ADMIN), { name: 'block', options: { user: chat } }),
      await commands.run(ctx(ADMIN), { name: 'unblock', options: { user: chat } }),
    ])
      expect(refused?.text).toEqual([{ key: 'errors.block.user_invalid', params: { value: chat } }]);
    expect(store.blocks.list('discord')).toEqual([]);
  });

  it('refuses an id no user has: 0, -0, a leading zero (typed, as an option, as a reply)', async () => {
    const { commands, ctx, store } = setup();
    for (const id of ['0', '-0', '00', '-000', '007', '-0100123']) {
      const invalid = [{ key: 'errors.block.user_invalid', params: { value: id } }];
      expect((await commands.runText(ctx(ADMIN, 'telegram'), `/block ${id} spam`))?.text).toEqual(invalid);
      expect((await commands.runText(ctx(ADMIN, 'telegram'), `/unblock ${id}`))?.text).toEqual(invalid);
      expect((await commands.run(ctx(ADMIN), { name: 'block', options: { user: id } })).text).toEqual(
        invalid,
      );
      expect((await commands.run(ctx(ADMIN), { name: 'unblock', options: { user: id } })).text).toEqual(
        invalid,
      );
      expect((await commands.runText(ctx(ADMIN, 'telegram', id), '/block flood'))?.text).toEqual(invalid);
    }
    expect(store.blocks.list('telegram')).toEqual([]);
    expect(store.blocks.list('discord')).toEqual([]);
  });

  it('lifts a block stored under such an id before it was refused', async () => {
    const { commands, ctx, store } = setup();
    store.blocks.block({ user: 'telegram:-0', by: `telegram:${ADMIN}`, at: 1 });
    expect(keys(await commands.runText(ctx(ADMIN, 'telegram'), '/unblock -0'))).toEqual(['unblock.done']);
    expect(store.blocks.list('telegram')).toEqual([]);
  });

  it("reads an input method's full-width digits and minus alike in /block and /unblock", async () => {
    const { commands, ctx, store } = setup();
    expect(keys(await commands.runText(ctx(ADMIN, 'telegram'), '/block －１００１２３ spam'))).toEqual([
      'block.done',
    ]);
    expect(store.blocks.get('telegram:-100123')?.reason).toBe('spam');
    expect(keys(await commands.runText(ctx(ADMIN, 'telegram'), '/unblock －１００１２３'))).toEqual([
      'unblock.done',
    ]);
    expect(store.blocks.get('telegram:-100123')).toBeUndefined();
    await commands.runText(ctx(ADMIN), '/block ４５６');
    expect(keys(await commands.runText(ctx(ADMIN), '/unblock ４５６'))).toEqual(['unblock.done']);
    expect(keys(await commands.run(ctx(ADMIN), { name: 'unblock', options: { user: '４５６' } }))).toEqual([
      'errors.block.not_blocked',
    ]);
    // Still one id: two are no user, and the refusal quotes the line as typed.
    expect((await commands.runText(ctx(ADMIN, 'telegram'), '/unblock １２ ３４'))?.text).toEqual([
      { key: 'errors.block.user_invalid', params: { value: '１２ ３４' } },
    ]);
  });

  it('survives a restart: the block is in the store under DATA_DIR', async () => {
    const first = setup();
    await first.commands.run(first.ctx(ADMIN), { name: 'block', options: { user: '31', reason: 'spam' } });
    await first.close();
    const again = setup(first.dir);
    expect(again.store.blocks.get('discord:31')?.reason).toBe('spam');
    expect(keys(await again.commands.run(again.ctx('31'), { name: 'help' }))).toEqual(['errors.blocked']);
  });
});

describe('a blocked user', () => {
  async function blockedWithJob() {
    const s = setup();
    const made = await s.commands.run(s.ctx('7'), { name: 'imagine', options: { prompt: 'a fox' } });
    await s.commands.run(s.ctx(ADMIN), { name: 'block', options: { user: '7' } });
    return { ...s, jobId: made.jobId as string };
  }

  it('is refused at every entry, and nothing of theirs runs', async () => {
    const { commands, ctx, store, advance, jobId } = await blockedWithJob();
    const image = { data: await png() };
    const before = store.recentOf({ platform: 'discord', userId: '7' }, 50).length;
    const entries: Array<() => Promise<Reply | undefined>> = [
      () => commands.run(ctx('7'), { name: 'imagine', options: { prompt: 'again' } }),
      () => commands.run(ctx('7'), { name: 'settings', options: { steps: 8 } }),
      () => commands.pressButton(ctx('7'), `reroll:${jobId}`),
      () => commands.answerAsk(ctx('7'), 'imagine_line', jobId, '/imagine a wolf'),
      () => commands.editResult(ctx('7'), jobId, 'make it night'),
      () => commands.replyToResult(ctx('7'), jobId, 'make it night'),
      () => commands.replyToImage(ctx('7'), { image, text: 'what is this?' }),
      () => commands.runText(ctx('7'), '/imagine a wolf'),
      () => commands.runChatLine(ctx('7'), 'a wolf'),
    ];
    for (const entry of entries) {
      advance(QUIET_MS);
      const reply = await entry();
      expect(keys(reply)).toEqual(['errors.blocked']);
      expect(reply?.ephemeral).toBe(true);
      expect(reply?.silent).toBeUndefined();
    }
    expect(store.recentOf({ platform: 'discord', userId: '7' }, 50)).toHaveLength(before);
    expect(ctx('7').settings.steps).toBeUndefined();
    expect(t('en', 'errors.blocked')).toBe('An admin has blocked you from using this bot.');
  });

  it('hears the refusal once per quiet time: repeats are silent, a typed line ignored', async () => {
    const { commands, ctx, advance } = await blockedWithJob();
    const said = await commands.runText(ctx('7'), '/imagine a wolf');
    expect(keys(said)).toEqual(['errors.blocked']);
    // Spam within the quiet time: a typed command is ignored, a message-driven reply is silent (an adapter
    // that must answer, a Discord interaction, still shows it).
    expect(await commands.runText(ctx('7'), '/imagine a wolf')).toBeUndefined();
    const repeat = await commands.run(ctx('7'), { name: 'imagine', options: { prompt: 'x' } });
    expect(repeat.silent).toBe(true);
    expect(keys(repeat)).toEqual(['errors.blocked']);
    advance(QUIET_MS);
    expect((await commands.runText(ctx('7'), '/imagine a wolf'))?.silent).toBeUndefined();
    // A line that is not a command of ours is none of the bot's business, blocked or not.
    advance(QUIET_MS);
    expect(await commands.runText(ctx('7'), 'hello everyone')).toBeUndefined();
    expect(keys(await commands.runText(ctx('7'), '/queue'))).toEqual(['errors.blocked']);
  });

  it('is told by `refusal` what an entry would say, sharing its quiet time (adapters ask before downloading)', async () => {
    const { commands, ctx, advance } = await blockedWithJob();
    expect(commands.refusal(ctx('8'))).toBeUndefined();
    const said = commands.refusal(ctx('7'));
    expect(keys(said)).toEqual(['errors.blocked']);
    expect(said?.silent).toBeUndefined();
    // Asking counted as saying it: the entries that follow within the quiet time are quiet, and so is asking.
    expect((await commands.run(ctx('7'), { name: 'queue' })).silent).toBe(true);
    expect(commands.refusal(ctx('7'))?.silent).toBe(true);
    advance(QUIET_MS);
    expect(keys(await commands.run(ctx('7'), { name: 'queue' }))).toEqual(['errors.blocked']);
    expect(commands.refusal(ctx('7'))?.silent).toBe(true);
    const promoted = ctx('7');
    promoted.isAdmin = true;
    expect(commands.refusal(promoted)).toBeUndefined();
  });

  it('is offered no suggestions while typing', async () => {
    const { commands, ctx, jobId } = await blockedWithJob();
    expect(commands.suggest(ctx('8'), 'retouch', 'boxes', 'cen').length).toBeGreaterThan(0);
    expect(commands.suggest(ctx('7'), 'retouch', 'boxes', 'cen')).toEqual([]);
    expect(commands.suggest(ctx('7'), 'cancel', 'job', jobId.slice(0, 4))).toEqual([]);
  });

  it('is let through once an admin (a block made before ADMIN_IDS named them)', async () => {
    const { commands, ctx } = await blockedWithJob();
    const promoted = ctx('7');
    promoted.isAdmin = true;
    expect(keys(await commands.run(promoted, { name: 'queue' }))).not.toContain('errors.blocked');
  });
});
