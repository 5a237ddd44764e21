// The page reads a typed flag with its own copy of the server's rule (adapters/web/public/typed-dashes.js: the
// browser loads only the page's files): the two read the same samples alike, so a suggestion, Vary (Region)'s line
// and Reuse seed take for a flag (`—ar`, `ーーａｒ`, `－－ｓｅｅｄ＝１２`) what the server will.
import { describe, expect, it } from 'vitest';
import { parsePrompt } from '../../../commands/prompt.js';
import { NAMED_REGIONS } from '../../../commands/regions.js';
import { takeOption } from '../../../commands/text-grammar.js';
import * as server from '../../../commands/typed-dashes.js';

interface PageDashes {
  TYPED_DASHES_SOURCE: string;
  asFlagToken(token: string): string;
  flagNameOf(token: string): string | undefined;
  takeOption(text: string, name: string): { rest: string; value?: string };
  optionValueStart(name: string): string;
  flagAtEnd(line: string): { at: number; flag: string } | undefined;
  withoutFlag(line: string, name: string): string;
}

// A plain JavaScript module of the page's, typed here by hand (the project is type-checked without allowJs).
const page: PageDashes = await import(
  new URL('../../../adapters/web/public/typed-dashes.js', import.meta.url).href
);

const TOKENS = [
  '--ar',
  '—ar',
  '–ar',
  'ーーar',
  '－－ａｒ',
  'ーーＡＲ',
  '−−seed=４',
  '‐‐ｓｅｅｄ＝１２',
  '‑‑Zoom=2',
  '—Zoom=2',
  '——ar',
  'ーーーar',
  'ー',
  'ーー',
  '—',
  '--',
  'ーーあ',
  '—１６',
  'a—b',
  'well–known',
  'word',
  '--ｓｔｅｐｓ',
  'ーーsteps２',
  'ーーcine-2',
  '--ＳＴＥＰＳ',
  '--ｓｔｅｐｓ＝８',
  '—ｓｅｅｄ＝１２',
  '--ｎｏ－ｃａｃｈｅ',
  'ーーno=ＡＢＣ',
  '--no=ＡＢＣ',
  '－－ｎｏ＝ｆｏｇ',
  "ーーｆｏｏ'ｓ",
  '--１６',
];

const BOX_LINES = [
  'a hat --box center',
  'a hat ーーbox center, top-le',
  'a hat ーーbox center',
  'a hat －－ｂｏｘ＝top-left',
  'a hat —box center, top-left and a scarf',
  'ーーｂｏｘ ０.１，０.１，０.５，０.５ a hat',
  'ーーＢＯＸ center； top a hat',
  '—box of chocolates',
  'a box of chocolates',
  'a hat --box center --steps 2',
  'a hat--box center',
  '–box=bottom a hat --cfg 4',
  // A list goes on after `,` or `;` only to a word that can be a region; any other is the prompt's.
  '--box center; hat',
  '--box center, a red hat',
  '--box center, top-left a hat',
  '--box 0.1,0.1,0.5,0.5; 0.2,0.2,0.3,0.3 hat',
  '--box 0.1,0.1,0.5,0.5; 0.6,0.6,0.5,0.5 hat',
  '--box Centre, Top_Left, ｂｏｔｔｏｍ－ｒｉｇｈｔ； middle',
  '--box center,0,0,1,0.5; top hat',
  'a hat --box center, --steps 2',
  'a hat --box center, red, to',
  'a hat --box top, left\u200b',
  'a hat --box top, 2 hats',
];

/** Lists the suggestions need not follow: an invisible mark inside a list's word (the server reads on past it). */
const MARKED_BOX_LINES = ['--box top,\u200b left; hat', '--box top;\ufeffleft,\u200f bottom a hat'];

/** The server's regions (and its aliases, and typed forms of them) after a list's `,`, and words that are none. */
const LISTED = [
  ...Object.keys(NAMED_REGIONS),
  'centre',
  'middle',
  'Top_Left',
  'ＴＯＰ',
  'hats',
  'tops',
  '0.5',
  'top-',
];

const SEED_LINES = [
  '/imagine a fox --seed 5',
  '/imagine a fox —seed ５ --steps 2',
  '/imagine a fox ーーseed １２ in snow',
  '/imagine a fox －－ｓｅｅｄ＝１２ --ar １６:９',
  '/imagine a fox --seed=7 --seed 8',
  '/imagine a fox seed 5',
  '/imagine a fox —seeds of a dandelion',
  '/imagine a fox --ｓｅｅｄ ５ --ｓｔｅｐｓ＝８',
  '/imagine a fox --ＳＥＥＤ=１２ --no ＡＢＣ',
];

describe('the page reads typed flags as the server does', () => {
  it('has the same dashes before the same letters', () => {
    expect(page.TYPED_DASHES_SOURCE).toBe(server.TYPED_DASHES_SOURCE);
    for (const token of TOKENS) {
      expect(page.asFlagToken(token), token).toBe(server.asFlagToken(token));
      expect(page.flagNameOf(token), token).toBe(server.flagNameOf(token));
    }
  });

  it("takes a named option's value (Vary (Region)'s --box) as the server's grammar takes it", () => {
    const lines = [...BOX_LINES, ...MARKED_BOX_LINES, ...LISTED.map((word) => `--box center, ${word} hat`)];
    for (const line of lines) expect(page.takeOption(line, 'box'), line).toEqual(takeOption(line, 'box'));
  });

  it('suggests regions for the word being typed where the server reads the region it becomes on the --box list', () => {
    const start = new RegExp(`^(.*\\s)?${page.optionValueStart('box')}(\\S*)$`, 'i');
    for (const line of BOX_LINES.map((l) => `/retouch ${l}`)) {
      const value = takeOption(line, 'box').value;
      const typing = start.exec(line)?.[2];
      if (value !== undefined && line.endsWith(value))
        expect(typing, line).toBe(value.split(/[,;，；] /).at(-1));
      // The word being typed is suggested for exactly where, once a region, the server reads it as the list's last.
      const done = line.replace(/[^\s=＝]*$/, 'top-left');
      const reads = takeOption(done, 'box').value;
      const readsLast = reads !== undefined && done.endsWith(reads) && /(^| )top-left$/.test(reads);
      expect(typing !== undefined, line).toBe(readsLast);
    }
  });

  it('offers flags for the word being typed exactly where the server reads a flag', () => {
    for (const token of TOKENS) {
      const name = server.flagNameOf(token);
      const typing = page.flagAtEnd(`/imagine a fox ${token}`);
      if (token === '--') expect(typing).toEqual({ at: 15, flag: '--' });
      else if (name !== undefined && !token.includes('=') && !token.includes('＝'))
        expect(typing, token).toEqual({ at: 15, flag: `--${name}` });
      else if (name === undefined) expect(typing, token).toBeUndefined();
    }
  });

  it('leaves the seed out of a line in any form the server reads it, and nothing else', () => {
    for (const line of SEED_LINES) {
      const rest = page.withoutFlag(line, 'seed');
      const before = parsePrompt(line.replace(/^\/imagine /, ''));
      const after = parsePrompt(rest.replace(/^\/imagine /, ''));
      expect(after.flags.seed, line).toBeUndefined();
      expect({ ...after.flags, seed: before.flags.seed }, line).toEqual(before.flags);
      expect(after.prompt, line).toBe(before.prompt);
    }
  });
});
