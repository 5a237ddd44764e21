// Midjourney's custom options (`/prefer option set`): a user names a piece of a prompt line once (`/prefer cine
// --ar 21:9 --steps 48 film grain`) and types `--cine` after any prompt. The value's flags take the option's place,
// so the same flag typed after it wins; its words join the line's leading words (the prompt before its first flag),
// so a `--no` before the option never swallows them. Expanded before the braces, so a value may hold permutations
// too; inside braces (`{--cine, --noir}`) a value stands in place.
import { UserInputError } from './errors.js';
import { withoutMarks, withoutMarksAtFlags } from './flag-marks.js';
import { expandPermutations } from './permutations.js';
import { checkPrompt, isPromptFlag, parsePrompt } from './prompt.js';
import { quoted } from './quoted-text.js';
import { asFlagToken, flagNameOf, TYPED_DASHES_SOURCE } from './typed-dashes.js';

/** As many as Midjourney keeps. */
export const MAX_CUSTOM_OPTIONS = 20;
export const MAX_CUSTOM_OPTION_NAME = 24;
export const MAX_CUSTOM_OPTION_CHARS = 200;

/** A name as typed after `--`: lower-case letters, digits and inner dashes, starting with a letter. */
const NAME = new RegExp(`^[a-z](?:[a-z0-9-]{0,${MAX_CUSTOM_OPTION_NAME - 2}}[a-z0-9])?$`);
/** Whether `name` (as stored: no dashes, lower case) could name a custom option. */
export function isCustomOptionName(name: string): boolean {
  return NAME.test(name);
}

/**
 * A word that reads as a flag: `--name`, a phone's `—name`, an input method's `ーーｎａｍｅ` (`typed-dashes.ts`), the
 * name in full-width letters after any of them (`--ｎｏ`), as a prompt's flags are read.
 */
const FLAG_WORD = new RegExp(`^(?:--[a-zａ-ｚ]|${TYPED_DASHES_SOURCE})`, 'i');

export type CustomOptions = Readonly<Record<string, string>>;

/**
 * A name as stored: without its dashes (a keyboard's too: `ーーcine`), nor an invisible mark a phone put in, its
 * full-width letters the plain ones (`ｃｉｎｅ`, however it came: a typed line's or a platform's option), lower-cased.
 */
export function customOptionName(typed: string): string {
  return asFlagToken(withoutMarks(typed).trim().normalize('NFKC'))
    .replace(/^(?:--|[—–])/, '')
    .toLowerCase();
}

/**
 * Refuses a name that is not one, or that a command already reads (`--ar`, `--zoom`…): the option could never be
 * typed. `commandWords` are the commands' own `--word` options (their typed grammar's `named`); `typed`, the name as
 * the user typed it, is what a refusal quotes (`--` is no name, and the stored form of it is empty).
 */
export function checkCustomOptionName(name: string, commandWords: readonly string[], typed = name): void {
  if (!NAME.test(name))
    throw new UserInputError('errors.prefer.name', { name: quoted(typed), max: MAX_CUSTOM_OPTION_NAME });
  if (isPromptFlag(name) || commandWords.includes(name))
    throw new UserInputError('errors.prefer.reserved', { name });
}

/**
 * Refuses a value that would be refused wherever it is typed: each line its braces make must read as a prompt's
 * words and flags (`--ar 99:1` fails here, not at every later use), its words free of blocked words (its `--no`
 * is checked as a typed `--no` is: not for them). A `--word` that is no flag of the bot's (another custom option)
 * is refused, so values never nest.
 */
export function checkCustomOptionValue(value: string, blockedWords: readonly string[]): void {
  for (const line of expandPermutations(withoutMarksAtFlags(value, isPromptFlag))) {
    for (const token of line.split(/\s+/)) {
      const name = FLAG_WORD.test(token) ? flagNameOf(token) : undefined;
      if (name !== undefined && !isPromptFlag(name))
        throw new UserInputError('errors.flag.unknown', { flag: `--${name}` });
    }
    checkPrompt(parsePrompt(line).prompt, { blockedWords, required: false });
  }
}

/**
 * `{--cine,` `--noir}` `--cine,`: an option named inside permutation braces, with the brace or comma around it; typed
 * with any keyboard's dashes, its name in full-width letters too (`ーーｃｉｎｅ`).
 */
const GROUPED_OPTION = new RegExp(
  `^(\\{?)(?:--|${TYPED_DASHES_SOURCE})([a-zａ-ｚ][a-z0-9ａ-ｚ０-９-]*)([,}]?)$`,
  'i',
);

/**
 * The line with every `--name` of the user's options replaced by its value; the line as typed when none is used.
 * Inside permutation braces (`{--cine, --noir}`) a value stands in place, its own braces and commas kept as text.
 */
export function expandCustomOptions(line: string, options: CustomOptions | undefined): string {
  if (!options || !Object.values(options).length) return line;
  const optionValue = (typed: string | undefined) => {
    const name = typed?.normalize('NFKC').toLowerCase();
    return name !== undefined && Object.hasOwn(options, name) ? options[name] : undefined;
  };
  // `--cine` with a phone's invisible mark in or after it is `--cine` (`flag-marks.ts`).
  const known = (name: string) => isPromptFlag(name) || Object.hasOwn(options, name);
  const tokens = withoutMarksAtFlags(line, known).split(/\s+/).filter(Boolean);
  let depth = 0;
  const marked = tokens.map((text) => {
    const grouped = GROUPED_OPTION.exec(text);
    const inGroup = depth > 0 || grouped?.[1] === '{';
    depth = Math.max(0, depth + braceBalance(text));
    const value = optionValue(grouped?.[2]);
    if (value === undefined || !grouped) return { text };
    return inGroup ? { text: `${grouped[1]}${asGroupOption(value)}${grouped[3]}` } : { text, value };
  });
  if (marked.every((m, i) => m.value === undefined && m.text === tokens[i])) return line;
  // The line's own leading words stay first; a value's words join them, its flags stand where it was typed.
  const lead = marked.findIndex((m) => m.value !== undefined || FLAG_WORD.test(m.text));
  const words = (lead < 0 ? marked : marked.slice(0, lead)).map((m) => m.text);
  const rest: string[] = [];
  let afterNegative = false;
  for (const m of lead < 0 ? [] : marked.slice(lead)) {
    if (m.value === undefined) {
      // Words right after an option that ended in `--no` are the user's prompt, not more of that `--no`.
      if (afterNegative && !FLAG_WORD.test(m.text)) words.push(m.text);
      else {
        afterNegative = false;
        rest.push(m.text);
      }
      continue;
    }
    const valueTokens = m.value.split(/\s+/).filter(Boolean);
    const split = valueTokens.findIndex((t) => FLAG_WORD.test(t));
    const flags = split < 0 ? [] : valueTokens.slice(split);
    words.push(...(split < 0 ? valueTokens : valueTokens.slice(0, split)));
    rest.push(...flags);
    const lastFlag = flags.filter((t) => FLAG_WORD.test(t)).at(-1);
    afterNegative = lastFlag !== undefined ? flagNameOf(lastFlag) === 'no' : afterNegative;
  }
  return [...words, ...rest].join(' ');
}

/**
 * A value as one option inside permutation braces, read as text: its own escapes resolved (`\{` is a brace, as
 * outside braces), then every brace and comma escaped. A backslash at its end would escape the group's comma or
 * closing brace after it: a space (trimmed from the option) stands between.
 */
function asGroupOption(value: string): string {
  const escaped = value.replace(/\\([{},])/g, '$1').replace(/[{},]/g, '\\$&');
  return escaped.endsWith('\\') ? `${escaped} ` : escaped;
}

/** Unescaped `{` minus unescaped `}` in a token. */
function braceBalance(text: string): number {
  let balance = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '{') balance++;
    else if (text[i] === '}') balance--;
  }
  return balance;
}

/** The line with the user's custom options taken out: the words and flags the user typed around them. */
export function withoutCustomOptions(line: string, options: CustomOptions | undefined): string {
  if (!options) return line;
  return expandCustomOptions(line, Object.fromEntries(Object.keys(options).map((name) => [name, ''])));
}
