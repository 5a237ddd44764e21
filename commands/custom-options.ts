// Midjourney's custom options (`/prefer option set`): a user names a piece of a prompt line once (`/prefer cine
// --ar 21:9 --steps 48 film grain`) and types `--cine` after any prompt. The value's flags take the option's place,
// so a flag typed after it wins; its words join the line's leading words (the prompt before its first flag), so a
// `--no` before the option never swallows them. Expanded before the braces, so a value may hold permutations too.
import { UserInputError } from './errors.js';
import { expandPermutations } from './permutations.js';
import { ALL_FLAGS, FLAG_ALIASES, parsePrompt } from './prompt.js';

/** As many as Midjourney keeps. */
export const MAX_CUSTOM_OPTIONS = 20;
export const MAX_CUSTOM_OPTION_NAME = 24;
export const MAX_CUSTOM_OPTION_CHARS = 200;

/** A name as typed after `--`: lower-case letters, digits and inner dashes, starting with a letter. */
const NAME = new RegExp(`^[a-z](?:[a-z0-9-]{0,${MAX_CUSTOM_OPTION_NAME - 2}}[a-z0-9])?$`);
/** A `--name` word (or a phone's `—name`). */
const OPTION_WORD = /^(?:--|[—–])([a-z][a-z0-9-]*)$/i;
const FLAG_WORD = /^(?:--|[—–])[a-z]/i;

export type CustomOptions = Readonly<Record<string, string>>;

/** A name as stored: without its dashes, lower-cased. */
export function customOptionName(typed: string): string {
  return typed
    .trim()
    .replace(/^(?:--|[—–])/, '')
    .toLowerCase();
}

/**
 * Refuses a name that is not one, or that a command already reads (`--ar`, `--zoom`…): the option could never be
 * typed. `commandWords` are the commands' own `--word` options (their typed grammar's `named`).
 */
export function checkCustomOptionName(name: string, commandWords: readonly string[]): void {
  if (!NAME.test(name))
    throw new UserInputError('errors.prefer.name', { name: name.slice(0, 40), max: MAX_CUSTOM_OPTION_NAME });
  const builtIn = [...ALL_FLAGS, ...Object.keys(FLAG_ALIASES), ...commandWords];
  if (builtIn.includes(name)) throw new UserInputError('errors.prefer.reserved', { name });
}

/**
 * Refuses a value that would be refused wherever it is typed: each line its braces make must read as a prompt's
 * words and flags (`--ar 99:1` fails here, not at every later use). Another custom option is no flag here, so
 * values never nest.
 */
export function checkCustomOptionValue(value: string): void {
  for (const line of expandPermutations(value)) parsePrompt(line);
}

/** The line with every `--name` of the user's options replaced by its value; the line as typed when none is used. */
export function expandCustomOptions(line: string, options: CustomOptions | undefined): string {
  if (!options || !Object.values(options).length) return line;
  const tokens = line.split(/\s+/).filter(Boolean);
  const optionValue = (token: string) => {
    const name = OPTION_WORD.exec(token)?.[1]?.toLowerCase();
    return name !== undefined && Object.hasOwn(options, name) ? options[name] : undefined;
  };
  if (!tokens.some((token) => optionValue(token) !== undefined)) return line;
  const firstFlag = (list: readonly string[]) => {
    const i = list.findIndex((token) => FLAG_WORD.test(token));
    return i < 0 ? list.length : i;
  };
  const lead = firstFlag(tokens);
  const words = tokens.slice(0, lead);
  const rest: string[] = [];
  for (const token of tokens.slice(lead)) {
    const value = optionValue(token);
    if (value === undefined) {
      rest.push(token);
      continue;
    }
    const valueTokens = value.split(/\s+/).filter(Boolean);
    const split = firstFlag(valueTokens);
    words.push(...valueTokens.slice(0, split));
    rest.push(...valueTokens.slice(split));
  }
  return [...words, ...rest].join(' ');
}

/** The line with the user's custom options taken out: the words and flags the user typed around them. */
export function withoutCustomOptions(line: string, options: CustomOptions | undefined): string {
  if (!options) return line;
  return expandCustomOptions(line, Object.fromEntries(Object.keys(options).map((name) => [name, ''])));
}
