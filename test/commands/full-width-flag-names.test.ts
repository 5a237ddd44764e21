// A flag's name typed in an input method's full-width letters (`--ｓｔｅｐｓ`) is its ASCII name after every dash form
// the readers take (`--`, `—`, `ーー`, `－－`), in a prompt, a command's own words and a custom option alike. Only the
// dashes and the name are read that way: a `--no`'s words and a prompt's stay as typed (`ーーno=ＡＢＣ` avoids `ＡＢＣ`,
// not `ABC`), and numbers are read by their own readers, which take full-width digits.
import { describe, expect, it } from 'vitest';
import { checkCustomOptionValue, expandCustomOptions } from '../../commands/custom-options.js';
import { outpaintSpec } from '../../commands/outpaint/spec.js';
import { preferSpec } from '../../commands/prefer/spec.js';
import { EDIT_FLAGS, parsePrompt } from '../../commands/prompt.js';
import { refuseRegionWords } from '../../commands/region-words.js';
import { parseArgs } from '../../commands/text-grammar.js';
import { asFlagToken, flagNameOf } from '../../commands/typed-dashes.js';

describe('a flag name in full-width letters', () => {
  it('is its ASCII name after two hyphens, as after a keyboard dash', () => {
    for (const dashes of ['--', '—', 'ーー', '－－']) {
      for (const [typed, plain] of [
        ['ｓｔｅｐｓ ８', '--steps 8'],
        ['ＳＴＥＰＳ＝８', '--steps 8'],
        ['ａｒ １６：９', '--ar 16:9'],
        ['ｓｅｅｄ=４２', '--seed 42'],
        ['ｎｏ－ｃａｃｈｅ', '--no-cache'],
        ['ｎｏ fog', '--no fog'],
      ] as const) {
        const line = `a fox ${dashes}${typed}`;
        expect([line, parsePrompt(line)]).toEqual([line, parsePrompt(`a fox ${plain}`)]);
      }
    }
    expect(flagNameOf('--ｓｔｅｐｓ')).toBe('steps');
    expect(asFlagToken('--ＳＴＥＰＳ')).toBe('--STEPS');
  });

  it('is refused where its ASCII name is: unknown, or not taken by the command', () => {
    expect(() => parsePrompt('a fox --ｆｏｏ ８')).toThrow(
      expect.objectContaining({ key: 'errors.flag.unknown', params: { flag: '--foo' } }),
    );
    expect(() => parsePrompt('make it red --ｎｏ fog', EDIT_FLAGS)).toThrow(
      expect.objectContaining({ key: 'errors.flag.not_here' }),
    );
  });

  it("is a command's own word (/outpaint --ｚｏｏｍ) and a region word a .. reply refuses", () => {
    for (const dashes of ['--', '—', 'ーー', '－－'])
      expect(parseArgs(outpaintSpec, `${dashes}ｚｏｏｍ ２ more sky`).options).toMatchObject({
        zoom: 2,
        prompt: 'more sky',
      });
    expect(() => refuseRegionWords('more sky --ｐａｎ left')).toThrow(
      expect.objectContaining({ key: 'errors.rerun.zoom', params: { flag: '--pan' } }),
    );
  });

  it('is a flag beside a custom option: a --ｎｏ before it takes none of its words', () => {
    const mine = { cine: 'film grain --ar 21:9' };
    for (const line of ['a fox --ｎｏ fog --cine', 'a fox －－ｎｏ fog --cine']) {
      const parsed = parsePrompt(expandCustomOptions(line, mine));
      expect([line, parsed]).toEqual([
        line,
        { prompt: 'a fox film grain', flags: { negative: 'fog', aspect: { w: 21, h: 9 } } },
      ]);
    }
    expect(() => checkCustomOptionValue('film --ｆｏｏ', [])).toThrow(
      expect.objectContaining({ key: 'errors.flag.unknown', params: { flag: '--foo' } }),
    );
  });
});

describe("the user's text beside a flag", () => {
  it('stays as typed after = in a --no, whatever dashes and letters the flag was typed with', () => {
    for (const token of ['ーーno=ＡＢＣ', '--no=ＡＢＣ', '－－ｎｏ＝ＡＢＣ', '—no=ＡＢＣ', '--ｎｏ=ＡＢＣ'])
      expect([token, parsePrompt(`a fox ${token} ｄｅｆ`).flags.negative]).toEqual([token, 'ＡＢＣ ｄｅｆ']);
    expect(asFlagToken('ーーno=ＡＢＣ')).toBe('--no=ＡＢＣ');
    expect(asFlagToken('－－ｓｅｅｄ＝１２')).toBe('--seed＝１２');
  });

  it('stays as typed in a --no, a word that only looks like a flag too', () => {
    expect(parsePrompt("a fox --no ーーｆｏｏ'ｓ ｔａｉｌ").flags.negative).toBe("ーーｆｏｏ'ｓ ｔａｉｌ");
    expect(parsePrompt("a fox ーーｆｏｏ'ｓ ｔａｉｌ").prompt).toBe("a fox ーーｆｏｏ'ｓ ｔａｉｌ");
  });

  it('is quoted as typed where a value is refused', () => {
    expect(() => parsePrompt('a fox ーーseed=ａｂｃ')).toThrow(
      expect.objectContaining({ params: expect.objectContaining({ value: 'ａｂｃ' }) }),
    );
  });

  it("stays as typed in a command's leading word (/prefer's name, quoted back when refused)", () => {
    expect(parseArgs(preferSpec, 'ｃｉｎｅ！ film grain').options).toEqual({
      option: 'ｃｉｎｅ！',
      value: 'film grain',
    });
    expect(parseArgs(outpaintSpec, '２ｘ more ｓｋｙ').options).toMatchObject({
      zoom: 2,
      prompt: 'more ｓｋｙ',
    });
  });
});
