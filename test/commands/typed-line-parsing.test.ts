// What the typed-line fuzz (typed-lines-fuzz.test.ts) found in the parsing of a line, one case each: the refusal a
// user gets for it, and that it quotes what was typed without breaking the sentence.
import { describe, expect, it } from 'vitest';
import { expandCustomOptions } from '../../commands/custom-options.js';
import { editSpec } from '../../commands/edit/spec.js';
import { outpaintSpec } from '../../commands/outpaint/spec.js';
import { expandPermutations, MAX_COUNTED_PERMUTATIONS } from '../../commands/permutations.js';
import { checkPrompt, parsePrompt } from '../../commands/prompt.js';
import { codePoints, QUOTED_CHARS, quoted, wellFormed } from '../../commands/quoted-text.js';
import { parseBoxes } from '../../commands/regions.js';
import { retouchSpec } from '../../commands/retouch/spec.js';
import { settingsSpec } from '../../commands/settings/spec.js';
import { parseArgs } from '../../commands/text-grammar.js';
import { refusal } from './refusal.js';

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const fox = '🦊';

describe('a quote of what the user typed', () => {
  it('is cut between whole characters, with an ellipsis', () => {
    // `a` first: a cut at 40 UTF-16 units fell in the middle of the 20th fox.
    const shown = quoted(`a${fox.repeat(45)}`);
    expect(LONE_SURROGATE.test(shown)).toBe(false);
    expect(codePoints(shown)).toBe(QUOTED_CHARS);
    expect(shown).toBe(`a${fox.repeat(QUOTED_CHARS - 2)}…`);
    expect(quoted('short')).toBe('short');
    expect(quoted('x'.repeat(100_000), 60)).toBe(`${'x'.repeat(59)}…`);
  });

  it('cannot restyle the sentence around it, nor hold what no platform sends', () => {
    expect(quoted('\u202eabc\u2066d')).toBe('abcd');
    expect(quoted('a\u0000b\u0007c')).toBe('a\ufffdb\ufffdc');
    expect(quoted('a\n\n b\tc')).toBe('a b c');
    expect(quoted('\ud800x\udfff')).toBe('\ufffdx\ufffd');
    expect(quoted(12)).toBe('12');
    expect(quoted({})).toBe('');
    expect(wellFormed(`a\ud800${fox}\udc00`)).toBe(`a\ufffd${fox}\ufffd`);
  });

  it.each([
    ['--seed', () => parsePrompt(`x --seed a${fox.repeat(30)}`)],
    ['--size', () => parsePrompt(`x --size a${fox.repeat(30)}`)],
    ['--ar', () => parsePrompt(`x --ar a\u202e${fox.repeat(30)}`)],
    ['boxes', () => parseBoxes(`a${fox.repeat(40)}`)],
  ])('%s: the refusal quotes the value whole-charactered', (_flag, work) => {
    const { params } = refusal(work);
    expect(LONE_SURROGATE.test(String(params.value))).toBe(false);
    expect(String(params.value)).not.toMatch(/[\u202e]/);
  });

  it('an unknown flag of thousands of letters is named in forty', () => {
    const { key, params } = refusal(() => parsePrompt(`a fox --${'a'.repeat(4400)}`));
    expect(key).toBe('errors.flag.unknown');
    expect(params.flag).toBe(`--${'a'.repeat(QUOTED_CHARS - 3)}…`);
  });
});

describe('prompt flags', () => {
  it('names a --word with digits that no option stands for, rather than drawing it', () => {
    // `--cine2` after the custom option was deleted: drawn as the word "--cine2" before.
    expect(refusal(() => parsePrompt('a bay --cine2'))).toEqual({
      key: 'errors.flag.unknown',
      params: { flag: '--cine2' },
    });
    expect(parsePrompt('a 4k --4k view').prompt).toBe('a 4k --4k view');
  });

  it('reads numbers as people write them: no hex, binary or exponent', () => {
    for (const typed of ['0x10', '0b11', '1e1', '1e-1']) {
      expect(refusal(() => parsePrompt(`x --cfg ${typed}`))).toMatchObject({
        key: 'errors.flag.range_number',
        params: { flag: '--cfg', value: typed },
      });
    }
    expect(parsePrompt('x --cfg=４.５ --temperature .5').flags).toEqual({ cfg: 4.5, temperature: 0.5 });
  });

  it('joins thousands of --no in order', () => {
    const parsed = parsePrompt(`a ${Array.from({ length: 5000 }, (_, i) => `--no n${i}`).join(' ')}`);
    expect(parsed.prompt).toBe('a');
    expect(parsed.flags.negative?.split(', ')).toHaveLength(5000);
    expect(parsed.flags.negative?.startsWith('n0, n1, n2')).toBe(true);
  });

  it('control characters alone are no prompt', () => {
    for (const typed of ['\u0000', '\u0001\u0002', ' \u0000\u200b '])
      expect(refusal(() => checkPrompt(typed)).key).toBe('errors.prompt_empty');
    expect(checkPrompt('a\u0000b')).toBe('a\u0000b');
  });
});

describe('permutations', () => {
  it('counts a refusal out up to a thousand prompts, and says "more than" past that', () => {
    expect(refusal(() => expandPermutations('{a,b}{c,d}{e,f}'))).toEqual({
      key: 'errors.permutation.limit',
      params: { count: 8, max: 4 },
    });
    // 3^640 is 10^305: it was counted out as 2.278258611829005e+305, and 4^512 as Infinity.
    for (const line of ['{a,b,c}'.repeat(640), '{a,b,c,d}'.repeat(512), '{a,b}'.repeat(10)]) {
      expect(refusal(() => expandPermutations(line))).toEqual({
        key: 'errors.permutation.limit_over',
        params: { count: MAX_COUNTED_PERMUTATIONS, max: 4 },
      });
    }
    expect(refusal(() => expandPermutations('{a,b,c,d,e,f,g,h,i,j}'.repeat(3))).params.count).toBe(1000);
  });

  it('braces nested thousands deep, or never closed, are one refusal', () => {
    for (const line of [
      `${'{'.repeat(5000)}a${'}'.repeat(5000)}`,
      '{'.repeat(10_000),
      `a ${'\\{'.repeat(5000)} }`,
    ])
      expect(refusal(() => expandPermutations(line)).key).toBe('errors.permutation.braces');
    expect(expandPermutations(`a ${'\\{\\}\\,'.repeat(3000)}`)).toEqual([`a ${'{},'.repeat(3000)}`]);
  });

  it('a custom option in braces stands as text, whatever backslashes it holds', () => {
    const mine = { bs: 'ends in a backslash\\', esc: '\\{x\\} y', two: '{a,b}' };
    // The value's last backslash escaped the group's comma (one option) or its closing brace (a brace refusal).
    expect(expandPermutations(expandCustomOptions('{--bs, --esc}', mine))).toEqual([
      'ends in a backslash\\',
      '{x} y',
    ]);
    expect(expandPermutations(expandCustomOptions('a {--bs}', mine))).toEqual(['a ends in a backslash\\']);
    expect(expandPermutations(expandCustomOptions('{--two, c}', mine))).toEqual(['{a,b}', 'c']);
  });
});

describe("a command's own --word options", () => {
  const args = (spec: Parameters<typeof parseArgs>[0], line: string) => parseArgs(spec, line).options;

  it('typed twice: the later wins, as a repeated flag does', () => {
    expect(args(editSpec, '--type edit_add --type edit_remove the cat')).toEqual({
      type: 'edit_remove',
      instruction: 'the cat',
    });
    expect(args(retouchSpec, '--box top --box left a hat')).toEqual({ boxes: 'left', prompt: 'a hat' });
    expect(args(outpaintSpec, 'sky --zoom 2 --zoom 1.5')).toEqual({ zoom: 1.5, prompt: 'sky' });
    expect(args(retouchSpec, 'a hat --BOX center')).toEqual({ boxes: 'center', prompt: 'a hat' });
  });

  it.each([
    [editSpec, 'the cat --type', '--type'],
    [editSpec, '--type= the cat', '--type'],
    [retouchSpec, 'a hat --box', '--box'],
    [retouchSpec, 'a hat --box --seed 1', '--box'],
    [retouchSpec, '--box top a hat --box', '--box'],
    [outpaintSpec, '--zoom', '--zoom'],
    [outpaintSpec, 'sky --pan', '--pan'],
  ])('%#: without its value it needs one (it was an unknown flag)', (spec, line, flag) => {
    expect(refusal(() => parseArgs(spec, line))).toEqual({
      key: 'errors.flag.missing_value',
      params: { flag },
    });
  });

  it("a phone's dash before the word, with nothing after, is punctuation", () => {
    expect(args(retouchSpec, 'a hat —box')).toEqual({ prompt: 'a hat —box' });
  });
});

describe('/settings pairs', () => {
  const pairs = (line: string) => parseArgs(settingsSpec, line);

  it('a key that is nothing is quoted as typed', () => {
    expect(pairs('=').unknown).toEqual(['=']);
    expect(pairs(':').unknown).toEqual([':']);
    expect(pairs('=5 size=768')).toEqual({ options: { size: 768 }, unknown: ['=5'], labels: {} });
    expect(pairs(`${fox.repeat(60)}=1`).unknown).toEqual([`${fox.repeat(QUOTED_CHARS - 1)}…`]);
  });

  it('numbers are decimal digits; anything else stays text for the schema to refuse by name', () => {
    expect(pairs('steps 0x10 images 1e0 size 1e3').options).toEqual({
      steps: '0x10',
      images: '1e0',
      size: '1e3',
    });
    expect(pairs('steps ６４').options).toEqual({ steps: 64 });
    // Past 2^53 a number is written back as 1e+199: it stays as typed.
    expect(pairs(`steps ${'9'.repeat(200)}`).options).toEqual({ steps: '9'.repeat(200) });
  });
});
