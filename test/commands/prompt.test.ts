import { describe, expect, it } from 'vitest';
import { MAX_PROMPT_CHARS } from '../../commands/limits.js';
import {
  checkPrompt,
  IMAGE_FLAGS,
  nearestAspect,
  parsePrompt,
  sizeForAspect,
} from '../../commands/prompt.js';
import { extensionOf, parseBoxes } from '../../commands/regions.js';
import { planExtension } from '../../engine/paint/mask.js';
import { refusal } from './refusal.js';

describe('prompt flags', () => {
  it('reads every flag and keeps the rest as the prompt', () => {
    const parsed = parsePrompt(
      'a red fox --ar 16:9 in the snow --seed 42 --steps 32 --cfg 4.5 --temperature 0 --no-cache',
    );
    expect(parsed.prompt).toBe('a red fox in the snow');
    expect(parsed.flags).toEqual({
      aspect: { w: 16, h: 9 },
      seed: 42,
      steps: 32,
      cfg: 4.5,
      temperature: 0,
      cache: false,
    });
    expect(parsePrompt('x --size 768x512 --cache').flags).toEqual({
      size: { width: 768, height: 512 },
      cache: true,
    });
  });

  it('accepts phone dashes, `=` values, aliases, and rounds sizes to 16-pixel cells', () => {
    expect(parsePrompt('cat —ar 3:2').flags.aspect).toEqual({ w: 3, h: 2 });
    expect(parsePrompt('cat --seed=7 --guidance 2').flags).toEqual({ seed: 7, cfg: 2 });
    expect(parsePrompt('cat --size 500×300').flags.size).toEqual({ width: 496, height: 304 });
  });

  it('reads flags typed with Japanese and Chinese input methods, full-width values too', () => {
    expect(parsePrompt('猫 ーーar 16:9 ーーseed 7')).toEqual({
      prompt: '猫',
      flags: { aspect: { w: 16, h: 9 }, seed: 7 },
    });
    expect(parsePrompt('猫 －－ａｒ １６：９ －－ｓｔｅｐｓ＝２０').flags).toEqual({
      aspect: { w: 16, h: 9 },
      steps: 20,
    });
    // One long-vowel mark is a word's (ラーメン, ー alone), not a flag.
    expect(parsePrompt('ラーメン ーseed').prompt).toBe('ラーメン ーseed');
  });

  it('keeps a dash that is punctuation: inside a word, or before a word that is no flag', () => {
    expect(parsePrompt('a well–known painter —ar 3:2')).toEqual({
      prompt: 'a well–known painter',
      flags: { aspect: { w: 3, h: 2 } },
    });
    expect(parsePrompt('a lone wolf —howling at the moon').prompt).toBe('a lone wolf —howling at the moon');
    // Typed with two hyphens it is a flag, and an unknown one is refused.
    expect(() => parsePrompt('a wolf --howling')).toThrow(
      expect.objectContaining({ key: 'errors.flag.unknown' }),
    );
  });

  it('reads a single --size number as a square, as /settings size does', () => {
    expect(parsePrompt('cat --size 1024').flags.size).toEqual({ width: 1024, height: 1024 });
    expect(parsePrompt('cat --size=500').flags.size).toEqual({ width: 496, height: 496 });
  });

  it('takes the later of --ar and --size, as a repeated flag', () => {
    expect(parsePrompt('cat --ar 16:9 --size 512x512').flags).toEqual({ size: { width: 512, height: 512 } });
    expect(parsePrompt('cat --size 512x512 --steps 4 --ar 16:9').flags).toEqual({
      aspect: { w: 16, h: 9 },
      steps: 4,
    });
    expect(parsePrompt('cat --ar 1:1 --ar 3:2').flags).toEqual({ aspect: { w: 3, h: 2 } });
  });

  it.each([
    ['cat --style raw', 'errors.flag.unknown', { flag: '--style' }],
    ['cat --seed', 'errors.flag.missing_value', { flag: '--seed' }],
    ['cat --seed --steps 3', 'errors.flag.missing_value', { flag: '--seed' }],
    ['cat --seed -1', 'errors.flag.range_integer', { flag: '--seed', min: 0, max: 4294967295 }],
    ['cat --seed 4294967296', 'errors.flag.range_integer', { flag: '--seed' }],
    ['cat --steps 2.5', 'errors.flag.range_integer', { flag: '--steps', value: '2.5' }],
    ['cat --steps 0', 'errors.flag.range_integer', { flag: '--steps', min: 1, max: 128 }],
    ['cat --steps 500', 'errors.flag.range_integer', { flag: '--steps' }],
    ['cat --cfg 21', 'errors.flag.range_number', { flag: '--cfg', min: 0, max: 20 }],
    ['cat --cfg abc', 'errors.flag.range_number', { flag: '--cfg', value: 'abc' }],
    ['cat --temperature 3', 'errors.flag.range_number', { flag: '--temperature', max: 2 }],
    ['cat --ar 16-9', 'errors.flag.aspect', { flag: '--ar', value: '16-9' }],
    ['cat --ar 10:1', 'errors.flag.aspect', { max: '4:1' }],
    ['cat --ar 0:1', 'errors.flag.aspect', {}],
    ['cat --size 2048x512', 'errors.flag.size', { min: 256, max: 1024 }],
    ['cat --size big', 'errors.flag.size', { value: 'big' }],
    ['cat --size 2048', 'errors.flag.size', { value: '2048', max: 1024 }],
    ['cat --size 128', 'errors.flag.size', { min: 256 }],
    ['cat --size 768x', 'errors.flag.size', { value: '768x' }],
  ])('%s → %s', (text, key, params) => {
    const r = refusal(() => parsePrompt(text));
    expect(r.key).toBe(key);
    expect(r.params).toMatchObject(params);
  });

  it('keeps a keyboard dash before a word that is no flag among --no words, as in the prompt', () => {
    expect(parsePrompt('a fox --no —howling wolf --steps 8')).toEqual({
      prompt: 'a fox',
      flags: { negative: '—howling wolf', steps: 8 },
    });
    // A flag's name after any dash still ends them.
    expect(parsePrompt('a fox --no cars —ar 16:9').flags).toEqual({
      negative: 'cars',
      aspect: { w: 16, h: 9 },
    });
  });

  it('reads --no up to the next flag, joins every --no, and keeps it to /imagine', () => {
    const parsed = parsePrompt('a quiet street --no red cars, people --ar 3:2 at dawn --no=rain');
    expect(parsed.prompt).toBe('a quiet street at dawn');
    expect(parsed.flags).toEqual({ negative: 'red cars, people, rain', aspect: { w: 3, h: 2 } });
    expect(parsePrompt('fox —no snow').flags.negative).toBe('snow');
    expect(refusal(() => parsePrompt('fox --no'))).toEqual({
      key: 'errors.flag.missing_value',
      params: { flag: '--no' },
    });
    expect(refusal(() => parsePrompt('fox --no --seed 2')).key).toBe('errors.flag.missing_value');
    expect(refusal(() => parsePrompt('make it blue --no red', IMAGE_FLAGS))).toEqual({
      key: 'errors.flag.not_here',
      params: { flag: '--no' },
    });
    // --no-cache stays its own switch.
    expect(parsePrompt('fox --no-cache').flags).toEqual({ cache: false });
  });

  it('refuses shape flags where the input image decides the shape', () => {
    expect(refusal(() => parsePrompt('make it blue --ar 1:1', IMAGE_FLAGS))).toEqual({
      key: 'errors.flag.not_here',
      params: { flag: '--ar' },
    });
    expect(parsePrompt('make it blue --seed 3', IMAGE_FLAGS).flags.seed).toBe(3);
  });
});

describe('aspect to size', () => {
  it.each([
    [1, 1, 512, 512, 512],
    [16, 9, 512, 688, 384],
    [9, 16, 512, 384, 688],
    [2, 3, 512, 416, 624],
    [1, 1, 1024, 1024, 1024],
    [4, 1, 512, 1024, 256],
    [16, 9, 1024, 1024, 576],
    [4, 1, 1024, 1024, 256],
    [16, 9, 256, 448, 256],
  ])('%i:%i at %i² → %i×%i', (w, h, sizeClass, width, height) => {
    expect(sizeForAspect({ w, h }, sizeClass)).toEqual({ width, height });
  });

  it('keeps every side a multiple of 16 within [256, 1024] and the area near the class', () => {
    for (const sizeClass of [256, 512, 768, 1024]) {
      for (let w = 1; w <= 4; w++) {
        for (let h = 1; h <= 4; h++) {
          const { width, height } = sizeForAspect({ w, h }, sizeClass);
          for (const side of [width, height]) {
            expect(side % 16).toBe(0);
            expect(side).toBeGreaterThanOrEqual(256);
            expect(side).toBeLessThanOrEqual(1024);
          }
          if (sizeClass === 512) expect(Math.abs(width * height - 512 * 512) / (512 * 512)).toBeLessThan(0.1);
          // The shape asked for, within the rounding of a side to 16 pixels.
          expect(Math.abs(Math.log((width / height) * (h / w)))).toBeLessThan(Math.log(1 + 16 / 256));
        }
      }
    }
  });
});

describe('prompt checks', () => {
  it('refuses empty, too long and blocked prompts', () => {
    expect(refusal(() => checkPrompt('   ')).key).toBe('errors.prompt_empty');
    expect(refusal(() => checkPrompt('\u200b \u2060\ufeff')).key).toBe('errors.prompt_empty');
    expect(checkPrompt('👨\u200d👩\u200d👧')).toBe('👨\u200d👩\u200d👧');
    expect(refusal(() => checkPrompt('a'.repeat(MAX_PROMPT_CHARS + 1)))).toEqual({
      key: 'errors.prompt_too_long',
      params: { length: MAX_PROMPT_CHARS + 1, limit: MAX_PROMPT_CHARS },
    });
    expect(checkPrompt('a'.repeat(MAX_PROMPT_CHARS))).toHaveLength(MAX_PROMPT_CHARS);
  });

  it('matches blocked words as whole words in spaced scripts and as substrings in CJK', () => {
    const blockedWords = ['gore', '血腥'];
    expect(refusal(() => checkPrompt('so much GORE here', { blockedWords })).key).toBe(
      'errors.blocked_words',
    );
    expect(refusal(() => checkPrompt('一幅血腥的画', { blockedWords })).key).toBe('errors.blocked_words');
    expect(checkPrompt('a gorgeous gorest', { blockedWords })).toBe('a gorgeous gorest');
    // Full-width, mathematical bold and zero-width-split spellings are the same word.
    for (const dodge of ['so much ｇｏｒｅ', 'so much 𝐠𝐨𝐫𝐞', 'so much go\u200bre'])
      expect(refusal(() => checkPrompt(dodge, { blockedWords })).key, dodge).toBe('errors.blocked_words');
  });
});

describe('regions', () => {
  it('parses boxes as fractions and refuses boxes outside the image', () => {
    expect(parseBoxes('0.1,0.2,0.5,0.5; 0,0,1,0.25')).toEqual([
      { x: 0.1, y: 0.2, w: 0.5, h: 0.5 },
      { x: 0, y: 0, w: 1, h: 0.25 },
    ]);
    for (const bad of ['0.6,0,0.5,0.5', '1,2,3', '0,0,0,0.5', 'a,b,c,d', '-0.1,0,0.5,0.5']) {
      expect(refusal(() => parseBoxes(bad)).key).toBe('errors.retouch.boxes');
    }
  });

  it('reads named regions: halves, quarters and the middle, in any case', () => {
    expect(parseBoxes('center')).toEqual([{ x: 0.25, y: 0.25, w: 0.5, h: 0.5 }]);
    expect(parseBoxes('Top-Left; bottom_right')).toEqual([
      { x: 0, y: 0, w: 0.5, h: 0.5 },
      { x: 0.5, y: 0.5, w: 0.5, h: 0.5 },
    ]);
    expect(parseBoxes('right 0,0,0.25,0.25')).toEqual([
      { x: 0.5, y: 0, w: 0.5, h: 1 },
      { x: 0, y: 0, w: 0.25, h: 0.25 },
    ]);
    expect(parseBoxes('middle')).toEqual(parseBoxes('centre'));
    expect(parseBoxes('center, top-left, 0.25,0.25,0.5,0.5')).toEqual([
      { x: 0.25, y: 0.25, w: 0.5, h: 0.5 },
      { x: 0, y: 0, w: 0.5, h: 0.5 },
      { x: 0.25, y: 0.25, w: 0.5, h: 0.5 },
    ]);
    for (const bad of ['upper-left', 'top-top', 'hat']) {
      expect(refusal(() => parseBoxes(bad)).key).toBe('errors.retouch.boxes');
    }
  });

  it('finds the offered aspect nearest to a picture', () => {
    expect(nearestAspect({ width: 1920, height: 1080 })).toBe('16:9');
    expect(nearestAspect({ width: 1000, height: 990 })).toBe('1:1');
    expect(nearestAspect({ width: 600, height: 800 })).toBe('3:4');
    expect(nearestAspect({ width: 400, height: 610 })).toBe('2:3');
    // Beyond every choice: the most elongated one on that side.
    expect(nearestAspect({ width: 100, height: 800 })).toBe('9:16');
  });

  it('turns zoom factors, pan directions and square into canvas extensions', () => {
    const at = { width: 512, height: 512 };
    expect(extensionOf(2, undefined, at)).toEqual({
      kind: 'extend',
      left: 0.5,
      top: 0.5,
      right: 0.5,
      bottom: 0.5,
    });
    expect(extensionOf(undefined, undefined, at)).toEqual({
      kind: 'extend',
      left: 0.25,
      top: 0.25,
      right: 0.25,
      bottom: 0.25,
    });
    expect(extensionOf(undefined, 'up', at)).toEqual({
      kind: 'extend',
      left: 0,
      top: 0.5,
      right: 0,
      bottom: 0,
    });
    expect(refusal(() => extensionOf(3, undefined, at)).key).toBe('errors.flag.range_number');
    expect(refusal(() => extensionOf(1, undefined, at)).key).toBe('errors.flag.range_number');
    // Any factor between (Custom Zoom): 1.3 grows each side by 15 %.
    const custom = extensionOf(1.3, undefined, at);
    for (const side of [custom.left, custom.top, custom.right, custom.bottom])
      expect(side).toBeCloseTo(0.15, 12);
    expect(refusal(() => extensionOf(2, 'left', at)).key).toBe('errors.flag.conflict');
    // Square: the short sides grow evenly by what the long side has more.
    expect(extensionOf(undefined, 'square', { width: 768, height: 384 })).toEqual({
      kind: 'extend',
      left: 0,
      top: 0.5,
      right: 0,
      bottom: 0.5,
    });
    expect(extensionOf(undefined, 'square', { width: 320, height: 640 })).toEqual({
      kind: 'extend',
      left: 0.5,
      top: 0,
      right: 0.5,
      bottom: 0,
    });
    // In the cells each side reaches into: 300×600 is 19×38 cells, so 9 cells left and 10 right.
    expect(extensionOf(undefined, 'square', { width: 300, height: 600 })).toEqual({
      kind: 'extend',
      left: 9 / 19,
      top: 0,
      right: 10 / 19,
      bottom: 0,
    });
    // The engine's canvas of a 400×300 picture is then a square, the picture on it at its own size.
    const squared = planExtension(
      { width: 400, height: 300 },
      extensionOf(undefined, 'square', { width: 400, height: 300 }),
    );
    expect(squared.result).toEqual({ left: 0, top: 0, width: 400, height: 400 });
    expect(squared.place).toEqual({ left: 0, top: 48 + 2, width: 400, height: 300 });
    expect(refusal(() => extensionOf(undefined, 'square', at)).key).toBe('errors.outpaint.already_square');
    // Where the long side is no whole number of cells the engine keeps its own length: the result is square within
    // half a cell, and a picture within half a cell of square is square already.
    for (const [width, height] of [
      [31, 16],
      [16, 31],
      [300, 600],
      [1000, 400],
    ] as const) {
      const { result } = planExtension(
        { width, height },
        extensionOf(undefined, 'square', { width, height }),
      );
      expect(Math.abs(result.width - result.height), `${width}×${height}`).toBeLessThanOrEqual(8);
    }
    for (const size of [
      { width: 17, height: 16 },
      { width: 16, height: 23 },
    ])
      expect(refusal(() => extensionOf(undefined, 'square', size)).key).toBe(
        'errors.outpaint.already_square',
      );
  });
});
