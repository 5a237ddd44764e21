// Permutation prompts: one line with options in braces stands for one line per combination.
import { describe, expect, it } from 'vitest';
import { UserInputError } from '../../commands/errors.js';
import { expandPermutations, literalBraces, MAX_PERMUTATIONS } from '../../commands/permutations.js';

const refusal = (line: string) => {
  try {
    expandPermutations(line);
  } catch (error) {
    return error instanceof UserInputError ? [error.key, error.params] : error;
  }
  return undefined;
};

describe('expandPermutations', () => {
  it('leaves a line without braces exactly as typed', () => {
    expect(expandPermutations('a  fox, in snow \\ --ar 16:9')).toEqual(['a  fox, in snow \\ --ar 16:9']);
  });

  it('makes one line per option, the last braces changing fastest, flags included', () => {
    expect(expandPermutations('a {red, blue} bird')).toEqual(['a red bird', 'a blue bird']);
    expect(expandPermutations('a {red,blue} {owl, crow} --ar {1:1}')).toEqual([
      'a red owl --ar 1:1',
      'a red crow --ar 1:1',
      'a blue owl --ar 1:1',
      'a blue crow --ar 1:1',
    ]);
  });

  it('takes an empty option as nothing, and backslashes as literal braces and commas', () => {
    expect(expandPermutations('a {, big} dog')).toEqual(['a dog', 'a big dog']);
    // The same line twice would be the same image twice (one seed): once is enough.
    expect(expandPermutations('a {red, red , big} {,} dog')).toEqual(['a red dog', 'a big dog']);
    expect(expandPermutations('a {salt\\, pepper, oil} dish \\{x\\}')).toEqual([
      'a salt, pepper dish {x}',
      'a oil dish {x}',
    ]);
  });

  it('reads an escaped comma as a comma in a line without braces too', () => {
    expect(expandPermutations('salt\\, pepper --ar 1:1')).toEqual(['salt, pepper --ar 1:1']);
  });

  it('types stored text back so that it reads as it was, whether or not its line has braces', () => {
    for (const text of ['a {b} c', 'salt\\, pepper', '\\{x\\}', 'a\\', 'x\\\\, y', '{,}', 'a, b']) {
      expect(expandPermutations(literalBraces(text)), text).toEqual([text]);
      expect(expandPermutations(`${literalBraces(text)} {p}`), text).toEqual([`${text} p`]);
    }
  });

  it('refuses unbalanced braces, nested braces and more lines than a grid', () => {
    expect(refusal('a {red, blue bird')).toEqual(['errors.permutation.braces', {}]);
    expect(refusal('a red} bird')).toEqual(['errors.permutation.braces', {}]);
    expect(refusal('a {red {dark, light}, blue} bird')).toEqual(['errors.permutation.braces', {}]);
    expect(refusal('{a, b, c} {d, e}')).toEqual([
      'errors.permutation.limit',
      { count: 6, max: MAX_PERMUTATIONS },
    ]);
    expect(expandPermutations('{a, b} {c, d}')).toHaveLength(MAX_PERMUTATIONS);
  });
});
