// /unblock naming a Telegram chat by an id it no longer has: a group upgraded to a supergroup had its block carried to
// its new id (commands.chatMoved), and the admin who types the old id means that chat: the block is lifted under both
// ids, and the answer says the chat's new id. Remembered in the store, so this holds after a restart too.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type CommandContext, Commands } from '../../commands/commands.js';
import type { Reply } from '../../commands/reply.js';
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

/** Commands over a real store and queue (not started). */
function setup(dir = mkdtempSync(join(tmpdir(), 'dimoo-unblock-moved-'))) {
  const store = new JobStore(dir);
  const queue = new JobQueue({
    store,
    engine: new TimedEngineDouble(1, 3),
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
  const admin = (): CommandContext =>
    commands.context({ user: { platform: 'telegram', userId: ADMIN }, scope: 'chat:1', language: 'en' });
  return { commands, store, admin, dir };
}

const lines = (reply: Reply | undefined) => reply?.text.map(({ key, params }) => ({ key, params }));

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
