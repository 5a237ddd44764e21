// Midjourney's permutation prompts: `a {red, blue} bird --ar {1:1, 16:9}` is four jobs, one per combination of the
// braces' comma-separated options, in reading order with the last braces changing fastest. A backslash keeps a
// brace or comma literal (`\{`, `\}`, `\,`). Expanded before the line's flags are read, so flags take braces too.
// A line without braces or escapes is taken exactly as typed.
import { UserInputError } from './errors.js';

/** The most jobs one line may expand to: a grid's worth, so one line never floods the queue. */
export const MAX_PERMUTATIONS = 4;
/** The most a refusal counts out; a line making more is said to make more than this. */
export const MAX_COUNTED_PERMUTATIONS = 1000;

type Part = string | string[];

/**
 * The lines a typed line stands for: itself alone when it has no braces. An escaped comma is a comma there too, so
 * that stored text typed back (`literalBraces`) reads the same whether or not the rest of its line has braces.
 */
export function expandPermutations(line: string): string[] {
  if (!/[{}]|\\,/.test(line)) return [line];
  const parts = splitParts(line);
  const total = parts.reduce((n, part) => n * (typeof part === 'string' ? 1 : part.length), 1);
  // Past a readable count the product is a number no one types out (3^640 is 10^305; 4^512 is Infinity).
  if (total > MAX_COUNTED_PERMUTATIONS)
    throw new UserInputError('errors.permutation.limit_over', {
      count: MAX_COUNTED_PERMUTATIONS,
      max: MAX_PERMUTATIONS,
    });
  if (total > MAX_PERMUTATIONS)
    throw new UserInputError('errors.permutation.limit', { count: total, max: MAX_PERMUTATIONS });
  let lines = [''];
  for (const part of parts) {
    const options = typeof part === 'string' ? [part] : part;
    lines = lines.flatMap((head) => options.map((option) => head + option));
  }
  // An empty option (`a {, big} dog`) leaves two spaces where it stood. Lines that still come out the same are kept
  // once.
  return [...new Set(lines.map((expanded) => expanded.replace(/ {2,}/g, ' ').trim()))];
}

/** The line as literal text and brace groups (each its trimmed options); escapes resolved. */
function splitParts(line: string): Part[] {
  const parts: Part[] = [];
  let text = '';
  let group: string[] | undefined;
  for (let i = 0; i < line.length; i++) {
    const char = line[i] as string;
    const next = line[i + 1];
    if (char === '\\' && (next === '{' || next === '}' || next === ',')) {
      text += next;
      i += 1;
    } else if (char === '{') {
      if (group) throw new UserInputError('errors.permutation.braces');
      parts.push(text);
      text = '';
      group = [];
    } else if (char === '}') {
      if (!group) throw new UserInputError('errors.permutation.braces');
      group.push(text.trim());
      // An option given twice is one option (it would draw the same image from the one seed).
      parts.push([...new Set(group)]);
      text = '';
      group = undefined;
    } else if (char === ',' && group) {
      group.push(text.trim());
      text = '';
    } else {
      text += char;
    }
  }
  if (group) throw new UserInputError('errors.permutation.braces');
  parts.push(text);
  return parts;
}

/**
 * Stored text (a job's prompt, a described picture) typed back into a line that will be expanded: braces literal,
 * and a backslash before a comma kept (alone, `\,` reads as an escaped comma): `splitParts` reads it back as it was.
 */
export function literalBraces(text: string): string {
  return text.replace(/[{}]|\\(?=,)/g, (char) => `\\${char}`);
}
