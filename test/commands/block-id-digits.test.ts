// /block and /unblock read an id's digits as people type them: ASCII, or an input method's full-width ones (and its
// minus), which are decimal digits. A character that only NFKC makes a digit (`①`, `¹`, `₂`) is no id: it is
// refused with the quoted word, never read as a user nobody named. A numeral NFKC makes no digits of (`½`, `Ⅻ`, `٣`)
// is a word like any other: leading /block's line, it starts the reason.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type CommandContext, Commands } from '../../commands/commands.js';
import type { Reply } from '../../commands/reply.js';
import { JobQueue, JobStore, type Platform } from '../../src/jobs/index.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';

const open: Array<{ queue: JobQueue; store: JobStore }> = [];
afterEach(async () => {
  for (const { queue, store } of open.splice(0)) {
    await queue.stop({ waitMs: 2000 });
    store.close();
  }
});

const ADMIN = '900';

function setup() {
  const store = new JobStore(mkdtempSync(join(tmpdir(), 'dimoo-block-digits-')));
  const queue = new JobQueue({
    store,
    engine: new TimedEngineDouble(1, 3),
    admins: [`discord:${ADMIN}`, `telegram:${ADMIN}`],
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
  const ctx = (platform: Platform = 'telegram', repliedUser?: string): CommandContext =>
    commands.context({ user: { platform, userId: ADMIN }, scope: 'guild:1', language: 'en', repliedUser });
  return { commands, store, ctx };
}

const keys = (reply: Reply | undefined) => reply?.text.map((line) => line.key);

describe('/block and /unblock ids', () => {
  // Circled, parenthesized-free enclosed, superscript and subscript digits: NFKC makes each a plain one.
  const notIds = ['①', '⑫', '¹²', '₁₂', '-①', '－¹', '1²', '㉑'];

  it('refuse a word whose digits only NFKC makes digits, typed, as an option, as a reply', async () => {
    const { commands, ctx, store } = setup();
    for (const id of notIds) {
      const invalid = [{ key: 'errors.block.user_invalid', params: { value: id } }];
      expect((await commands.runText(ctx(), `/block ${id} spam`))?.text).toEqual(invalid);
      expect((await commands.runText(ctx(), `/unblock ${id}`))?.text).toEqual(invalid);
      expect((await commands.run(ctx(), { name: 'block', options: { user: id } })).text).toEqual(invalid);
      expect((await commands.run(ctx(), { name: 'unblock', options: { user: id } })).text).toEqual(invalid);
      expect((await commands.runText(ctx('telegram', id), '/block flood'))?.text).toEqual(invalid);
    }
    expect(store.blocks.list('telegram')).toEqual([]);
  });

  it('refuse such a word leading a reply too, rather than block the replied-to author or a user nobody wrote', async () => {
    const { commands, ctx, store } = setup();
    for (const id of ['①', '¹²', '₂', '－¹', '㉑']) {
      const reply = await commands.runText(ctx('telegram', '555'), `/block ${id} spam`);
      expect(reply?.text).toEqual([{ key: 'errors.block.user_invalid', params: { value: id } }]);
    }
    expect(store.blocks.list('telegram')).toEqual([]);
  });

  // Before /block read any numeral, these were words like others; NFKC makes no digits of them (`1⁄2`, `XII`, `٣`).
  it('take a leading numeral that NFKC makes no digits as the reason: the replied-to author is blocked', async () => {
    const { commands, ctx, store } = setup();
    const lines = {
      '/block ½ price spam': '½ price spam',
      '/block Ⅻ times': 'Ⅻ times',
      '/block ٣ spam': '٣ spam',
    };
    for (const [line, reason] of Object.entries(lines)) {
      expect(keys(await commands.runText(ctx('telegram', '555'), line))).toEqual(['block.done']);
      expect(store.blocks.get('telegram:555')?.reason).toBe(reason);
    }
    expect(store.blocks.list('telegram').map((entry) => entry.user)).toEqual(['telegram:555']);
    // Not a reply: a reason that names no one, refused as one.
    for (const word of ['½', 'Ⅻ', '٣', '1½', '-٣'])
      expect(keys(await commands.runText(ctx(), `/block ${word} spam`))).toEqual([
        'errors.block.user_missing',
      ]);
  });

  it('a block stored as a digit is not lifted by a circled one', async () => {
    const { commands, ctx, store } = setup();
    await commands.runText(ctx(), '/block 1 spam');
    expect(keys(await commands.runText(ctx(), '/unblock ①'))).toEqual(['errors.block.user_invalid']);
    expect(store.blocks.get('telegram:1')?.reason).toBe('spam');
  });

  it("still reads an input method's full-width digits and minus, and other decimal digits NFKC makes plain", async () => {
    const { commands, ctx, store } = setup();
    expect(keys(await commands.runText(ctx(), '/block －１２ spam'))).toEqual(['block.done']);
    expect(store.blocks.get('telegram:-12')?.reason).toBe('spam');
    expect(keys(await commands.run(ctx(), { name: 'unblock', options: { user: '－１２' } }))).toEqual([
      'unblock.done',
    ]);
    // Mathematical digits are decimal digits (Unicode's Nd), as full-width ones are.
    expect(keys(await commands.runText(ctx(), '/block 𝟏𝟐 spam'))).toEqual(['block.done']);
    expect(store.blocks.get('telegram:12')?.reason).toBe('spam');
    // Digits NFKC leaves as they are stay no id, as before.
    expect(keys(await commands.runText(ctx(), '/unblock ١٢'))).toEqual(['errors.block.user_invalid']);
  });
});
