import { describe, expect, it } from 'vitest';
import {
  checkCustomOptionName,
  checkCustomOptionValue,
  customOptionName,
  expandCustomOptions,
  withoutCustomOptions,
} from '../../commands/custom-options.js';
import { parsePrompt } from '../../commands/prompt.js';

const mine = {
  cine: '--ar 21:9 --steps 48',
  gold: 'golden hour --cfg 5',
  grain: 'film grain',
  nope: '--no text',
};

describe('custom options', () => {
  it('puts a value in where its --name stands: flags in place, words after the prompt', () => {
    expect(expandCustomOptions('a harbour --cine', mine)).toBe('a harbour --ar 21:9 --steps 48');
    expect(expandCustomOptions('a harbour --gold --seed 4', mine)).toBe(
      'a harbour golden hour --cfg 5 --seed 4',
    );
    // Words of a value after a --no never join the negative prompt.
    const line = expandCustomOptions('a harbour --no boats --grain --gold', mine);
    expect(line).toBe('a harbour film grain golden hour --no boats --cfg 5');
    expect(parsePrompt(line)).toEqual({
      prompt: 'a harbour film grain golden hour',
      flags: { negative: 'boats', cfg: 5 },
    });
    // A phone's dash, any case; a flag typed after the option wins.
    expect(parsePrompt(expandCustomOptions('a bay —CINE --steps 8', mine)).flags).toEqual({
      aspect: { w: 21, h: 9 },
      steps: 8,
    });
    expect(parsePrompt(expandCustomOptions('a bay --nope --no boats', mine)).flags.negative).toBe(
      'text, boats',
    );
  });

  it('leaves a line without its options exactly as typed', () => {
    expect(expandCustomOptions('a  fox   --ar 1:1', mine)).toBe('a  fox   --ar 1:1');
    expect(expandCustomOptions('a fox --cine', undefined)).toBe('a fox --cine');
    expect(expandCustomOptions('a fox --cinema', mine)).toBe('a fox --cinema');
    // Only a whole word is an option, and no inherited property is one.
    expect(expandCustomOptions('a fox x--cine --constructor', mine)).toBe('a fox x--cine --constructor');
  });

  it('takes the options out, leaving what the user typed around them', () => {
    expect(withoutCustomOptions('a bay --gold --seed 4', mine)).toBe('a bay --seed 4');
    expect(withoutCustomOptions('--gold', mine)).toBe('');
  });

  it('names: lower-case, no built-in flag or command word', () => {
    expect(customOptionName('--Cine')).toBe('cine');
    expect(customOptionName('—cine')).toBe('cine');
    expect(() => checkCustomOptionName('cine', [])).not.toThrow();
    expect(() => checkCustomOptionName('my-look2', [])).not.toThrow();
    for (const bad of ['2x', 'a_b', 'cine-', '', 'x'.repeat(25)])
      expect(() => checkCustomOptionName(bad, []), bad).toThrow(
        expect.objectContaining({ key: 'errors.prefer.name' }),
      );
    for (const taken of ['ar', 'aspect', 'no', 'no-cache', 'temp', 'zoom'])
      expect(() => checkCustomOptionName(taken, ['zoom', 'type']), taken).toThrow(
        expect.objectContaining({ key: 'errors.prefer.reserved' }),
      );
  });

  it('values are checked as a prompt line: a bad flag, an unknown one (no nesting), bad braces', () => {
    expect(() => checkCustomOptionValue('--ar {1:1, 16:9} a {red, blue}')).not.toThrow();
    expect(() => checkCustomOptionValue('--ar 99:1')).toThrow(
      expect.objectContaining({ key: 'errors.flag.aspect' }),
    );
    expect(() => checkCustomOptionValue('--cine')).toThrow(
      expect.objectContaining({ key: 'errors.flag.unknown' }),
    );
    expect(() => checkCustomOptionValue('{a, b')).toThrow(
      expect.objectContaining({ key: 'errors.permutation.braces' }),
    );
  });
});
