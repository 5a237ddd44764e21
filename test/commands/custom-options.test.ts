import { describe, expect, it } from 'vitest';
import {
  checkCustomOptionName,
  checkCustomOptionValue,
  customOptionName,
  expandCustomOptions,
  withoutCustomOptions,
} from '../../commands/custom-options.js';
import { expandPermutations } from '../../commands/permutations.js';
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

  it('values are checked as a prompt line: a bad flag, an unknown one (no nesting), bad braces, blocked words', () => {
    const check = (value: string) => () => checkCustomOptionValue(value, ['gore']);
    expect(check('--ar {1:1, 16:9} a {red, blue}')).not.toThrow();
    expect(check('--ar 99:1')).toThrow(expect.objectContaining({ key: 'errors.flag.aspect' }));
    expect(check('--cine')).toThrow(expect.objectContaining({ key: 'errors.flag.unknown' }));
    // A name with a digit is no flag to the prompt parser, and still no value may hold it.
    expect(check('more --v2')).toThrow(
      expect.objectContaining({ key: 'errors.flag.unknown', params: { flag: '--v2' } }),
    );
    expect(check('{a, b')).toThrow(expect.objectContaining({ key: 'errors.permutation.braces' }));
    expect(check('a gore scene')).toThrow(expect.objectContaining({ key: 'errors.blocked_words' }));
    // What to leave out is checked as a typed --no is: not for blocked words.
    expect(check('--no gore')).not.toThrow();
  });

  it('inside braces a value stands in place, its commas kept as text', () => {
    const options = { cine: '--ar 21:9 film grain', soft: '--no blur, text', noir: 'noir' };
    const line = expandCustomOptions('a fox {--cine, --soft, --noir}', options);
    expect(line).toBe('a fox {--ar 21:9 film grain, --no blur\\, text, noir}');
    expect(expandPermutations(line)).toEqual([
      'a fox --ar 21:9 film grain',
      'a fox --no blur, text',
      'a fox noir',
    ]);
    // A comma after an option outside braces is no group.
    expect(expandCustomOptions('a fox --noir, at dusk', options)).toBe('a fox noir at dusk');
  });

  it("words typed after an option that ends in --no are the prompt's, not more of that --no", () => {
    const line = expandCustomOptions('a fox --soft at dusk --steps 4', { soft: '--cfg 5 --no blur' });
    expect(parsePrompt(line)).toEqual({
      prompt: 'a fox at dusk',
      flags: { cfg: 5, negative: 'blur', steps: 4 },
    });
  });
});
