// /block naming a Telegram chat by an id it no longer has: a group upgraded to a supergroup speaks only under its new
// id (commands.chatMoved), so a block under the old one would hold no one back. The admin who types the old id means
// that chat: the block goes on its new id, the answer says so, and /block's list shows the chat once, by the id it
// speaks with.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type CommandContext, Commands } from '../../commands/commands.js';
import type { Reply } from '../../commands/reply.js';
import { t } from '../../src/i18n.js';
import { JobQueue, JobStore } from '../../src/jobs/index.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';

const open: Array<{ queue: JobQueue; store: JobStore }> = [];
afterEach(async () => {
  for (const { queue, store } of open.splice(0)) {
    await queue.stop({ waitMs: 2000 });
    store.close();
  }
});

const ADMIN = '900';
const OLD = '-4001';
const NEW = '-1004001';

/** Commands over a real store and queue; the queue is not started, so submitted jobs wait. */
function setup() {
  const store = new JobStore(mkdtempSync(join(tmpdir(), 'dimoo-block-moved-')));
  const engine = new TimedEngineDouble(1, 3);
  store.setCalibration(engine.info.device, 0.002, 1);
  const queue = new JobQueue({
    store,
    engine,
    admins: [`telegram:${ADMIN}`],
    limits: { maxPerUser: 20, maxRunningPerUser: 1, maxPerScope: 50, maxTotal: 50, jobTimeoutMs: 60_000 },
  });
  open.push({ queue, store });
  const commands = new Commands({
    queue,
    store,
    now: () => 1_000_000,
    config: {
      defaultLocale: 'en',
      limits: { rateLimitPerMinute: 0, maxInputBytes: 200_000, maxInputPixels: 1_000_000, blockedWords: [] },
    },
  });
  const as = (userId: string): CommandContext =>
    commands.context({ user: { platform: 'telegram', userId }, scope: `chat:${userId}`, language: 'en' });
  return { commands, queue, store, admin: () => as(ADMIN), as };
}

const lines = (reply: Reply | undefined) => reply?.text.map(({ key, params }) => ({ key, params }));

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

  it('lists a chat blocked before it moved once, by its new id; an old id left blocked says where the chat went', async () => {
    const { commands, admin } = setup();
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

    // Lifted under the new id only: the old id's block holds no one back, and its line says so.
    await commands.runText(admin(), `/unblock ${NEW}`);
    expect(await listed()).toEqual([
      ['block.list', undefined, undefined],
      ['block.item_moved', OLD, NEW],
    ]);
  });
});
