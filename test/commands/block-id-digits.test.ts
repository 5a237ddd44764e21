// /block and /unblock read an id's digits as people type them: ASCII, an input method's full-width ones (and its
// minus), or any script's decimal digits (Unicode's Nd: Arabic-Indic, Persian, Devanagari, Thai…), each the digit it
// stands for. A character that only NFKC makes a digit (`①`, `¹`, `₂`) is no id: it is refused with the quoted word,
// never read as a user nobody named. A numeral that is no digit (`½`, `Ⅻ`, `⑴`, `❶`, `〇`) is a word like any
// other: leading /block's line, it starts the reason.
import { afterEach, describe, expect, it } from 'vitest';
import { asciiDigits } from '../../commands/spec.js';
import { blockSetup, closeBlockSetups, keys } from './block-harness.js';

afterEach(closeBlockSetups);

function setup() {
  const { commands, store, admin } = blockSetup();
  return { commands, store, ctx: admin };
}

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

  // Before /block read any numeral, these were words like others; none is a decimal digit (`1⁄2`, `XII` in NFKC).
  it('take a leading numeral that is no digit as the reason: the replied-to author is blocked', async () => {
    const { commands, ctx, store } = setup();
    const lines = {
      '/block ½ price spam': '½ price spam',
      '/block Ⅻ times': 'Ⅻ times',
      '/block ⑴ spam': '⑴ spam',
      '/block ❶ spam': '❶ spam',
      '/block 〇 spam': '〇 spam',
    };
    for (const [line, reason] of Object.entries(lines)) {
      expect(keys(await commands.runText(ctx('telegram', '555'), line))).toEqual(['block.done']);
      expect(store.blocks.get('telegram:555')?.reason).toBe(reason);
    }
    expect(store.blocks.list('telegram').map((entry) => entry.user)).toEqual(['telegram:555']);
    // Not a reply: a reason that names no one, refused as one.
    for (const word of ['½', 'Ⅻ', '⑴', '❶', '〇', '1½'])
      expect(keys(await commands.runText(ctx(), `/block ${word} spam`))).toEqual([
        'errors.block.user_missing',
      ]);
  });

  it("read any script's decimal digits as the digits they stand for, leading a reply too", async () => {
    const { commands, ctx, store } = setup();
    // Persian, as a reply to 555: 1234 is blocked, for spam, and 555 is not.
    expect(keys(await commands.runText(ctx('telegram', '555'), '/block ۱۲۳۴ spam'))).toEqual(['block.done']);
    expect(store.blocks.get('telegram:1234')?.reason).toBe('spam');
    expect(store.blocks.get('telegram:555')).toBeUndefined();
    expect(keys(await commands.runText(ctx(), '/unblock ۱۲۳۴'))).toEqual(['unblock.done']);
    expect(store.blocks.get('telegram:1234')).toBeUndefined();
    // Arabic-Indic with a full-width minus, Devanagari, Bengali, Thai; typed and as an option.
    const ids = { '－٣٤': '-34', '१२': '12', '৪৫': '45', '๗๘': '78' };
    for (const [typed, id] of Object.entries(ids)) {
      expect(keys(await commands.runText(ctx(), `/block ${typed} spam`))).toEqual(['block.done']);
      expect(store.blocks.get(`telegram:${id}`)?.reason).toBe('spam');
      expect(keys(await commands.run(ctx(), { name: 'unblock', options: { user: typed } }))).toEqual([
        'unblock.done',
      ]);
      expect(keys(await commands.run(ctx(), { name: 'block', options: { user: typed } }))).toEqual([
        'block.done',
      ]);
      expect(keys(await commands.runText(ctx(), `/unblock ${typed}`))).toEqual(['unblock.done']);
    }
    expect(store.blocks.list('telegram')).toEqual([]);
  });

  it('reads every decimal numbering system the runtime knows as ASCII digits', () => {
    let systems = 0;
    for (const system of Intl.supportedValuesOf('numberingSystem')) {
      const written = new Intl.NumberFormat(`en-u-nu-${system}`, { useGrouping: false }).format(1234567890);
      if (!/^\p{Nd}{10}$/u.test(written)) continue; // not a decimal one (Roman, Chinese, Hebrew…)
      systems++;
      expect([system, asciiDigits(written)]).toEqual([system, '1234567890']);
    }
    expect(systems).toBeGreaterThan(50);
    expect(asciiDigits('a½①٣')).toBe('a½①3');
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
  });
});
