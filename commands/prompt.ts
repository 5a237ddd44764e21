// Prompts with Midjourney-style flags typed into them (`a fox --ar 16:9 --seed 42`), the aspect-to-size maths,
// and the checks every prompt passes (empty, too long, blocked words). Flag values are checked against the same
// option schemas as the platforms' options (options.ts). Failures are `UserInputError`s whose code is a locale
// key, so the reply is one localized sentence naming what is wrong.
import { UserInputError } from './errors.js';
import { withoutMarks, withoutMarksAtFlags } from './flag-marks.js';
import { ASPECT_CHOICES, CELL, DEFAULT_SIZE_CLASS, MAX_PROMPT_CHARS, MAX_SIDE, MIN_SIDE } from './limits.js';
import {
  type Aspect,
  aspectOf,
  aspectOption,
  cfgOption,
  imagesOption,
  lengthPastLine,
  readNumber,
  seedOption,
  stepsOption,
  temperatureOption,
} from './options.js';
import { codePoints, isBlank, quoted } from './quoted-text.js';
import { asFlagToken } from './typed-dashes.js';
import { checkValue } from './validate.js';

export interface PromptFlags {
  aspect?: Aspect;
  size?: { width: number; height: number };
  seed?: number;
  steps?: number;
  cfg?: number;
  temperature?: number;
  cache?: boolean;
  /** `--n 4`: how many images to draw at once, as one grid. */
  images?: number;
  /** `--no trees, fences`: what the image should not show (every `--no`, joined by commas). */
  negative?: string;
}

export type FlagName =
  | 'ar'
  | 'size'
  | 'n'
  | 'seed'
  | 'steps'
  | 'cfg'
  | 'temperature'
  | 'cache'
  | 'no-cache'
  | 'no';
export const ALL_FLAGS: readonly FlagName[] = [
  'ar',
  'size',
  'n',
  'seed',
  'steps',
  'cfg',
  'temperature',
  'cache',
  'no-cache',
  'no',
];
/** Flags that make sense for every image task (the output shape follows the input image there). */
export const IMAGE_FLAGS: readonly FlagName[] = ['seed', 'steps', 'cfg', 'temperature'];
/**
 * Painting (retouch, outpaint) guides against `<uncondition>` as text-to-image does, so `--no` works there too, and
 * draws grids (`--n`) and runs ML-Cache (`--cache`) over the same template.
 */
export const PAINT_FLAGS: readonly FlagName[] = [...IMAGE_FLAGS, 'no', 'n', 'cache', 'no-cache'];
/** An edit draws grids too (the best of several tries); it has no `--no`, its instruction is no caption. */
export const EDIT_FLAGS: readonly FlagName[] = [...IMAGE_FLAGS, 'n'];

const SWITCHES = new Set<FlagName>(['cache', 'no-cache']);
/**
 * Other names of the flags (`--aspect` is `--ar`). A Map: looked up by what the user typed, a plain object would
 * answer `--constructor` with its prototype's.
 */
export const FLAG_ALIASES: ReadonlyMap<string, FlagName> = new Map([
  ['aspect', 'ar'],
  ['s', 'size'],
  ['temp', 'temperature'],
  ['guidance', 'cfg'],
  ['nocache', 'no-cache'],
  ['images', 'n'],
]);

/** Whether a typed `--name` names one of a prompt's flags (an alias too), lower case. */
export function isPromptFlag(name: string): boolean {
  return (ALL_FLAGS as readonly string[]).includes(name) || FLAG_ALIASES.has(name);
}

/**
 * Text typed into a prompt line as words only: a word that would read as a flag (`--x`, `—x`, and the `ーーx` of
 * the keyboards `asFlagToken` reads, before a Latin letter) loses its dashes.
 */
export function withoutFlagDashes(text: string): string {
  return text.replace(/(^|\s)(?:[-—–]+|[ー－−‐‑]{2,}(?=[a-zA-Zａ-ｚＡ-Ｚ]))/g, '$1');
}

/**
 * A `--flag` or `--flag=value` token (an input method's full-width `＝` too). Digits may follow the first letter, as
 * in the custom options' names (`--cine2`): one the user no longer has is refused by name rather than drawn as a word.
 */
const FLAG = /^--([a-z][a-z0-9-]*)(?:[=＝](.*))?$/i;

/**
 * Whether the token at `i` is read as a flag: a known name in any dash form, or anything after two hyphens (an unknown
 * one is refused). A keyboard dash before another word is punctuation (`--no —howling wolves`).
 */
function isFlagAt(tokens: readonly string[], typed: readonly string[], i: number): boolean {
  const match = FLAG.exec(tokens[i] as string);
  if (!match) return false;
  const raw = (match[1] as string).toLowerCase();
  return (
    ALL_FLAGS.includes((FLAG_ALIASES.get(raw) ?? raw) as FlagName) || (typed[i] as string).startsWith('--')
  );
}

export interface ParsedPrompt {
  prompt: string;
  flags: PromptFlags;
}

/**
 * Splits the prompt text from its `--flags`; `—ar`, `ーーar` and `--ｓｔｅｐｓ` count too (`typed-dashes.ts`). A dash
 * inside a word (`well–known`) stays, and so does one before a word that is no flag (`a wolf —howling`): punctuation,
 * not a typo. Invisible marks a phone put at a flag or in its value are nothing (`flag-marks.ts`). Throws
 * `UserInputError` for an unknown `--flag`, a flag not allowed here, a missing or out-of-range value.
 */
export function parsePrompt(text: string, allowed: readonly FlagName[] = ALL_FLAGS): ParsedPrompt {
  const typed = withoutMarksAtFlags(text, isPromptFlag).split(/\s+/).filter(Boolean);
  const tokens = typed.map(asFlagToken);
  const words: string[] = [];
  const flags: PromptFlags = {};
  // Every `--no`, joined once at the end: joined as each came, thousands of them copied the line thousands of times.
  const negatives: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    const match = FLAG.exec(token);
    if (!match) {
      words.push(typed[i] as string);
      continue;
    }
    const raw = (match[1] as string).toLowerCase();
    const name = (FLAG_ALIASES.get(raw) ?? raw) as FlagName;
    const flag = quoted(`--${raw}`);
    if (!ALL_FLAGS.includes(name) && !(typed[i] as string).startsWith('--')) {
      words.push(typed[i] as string);
      continue;
    }
    if (!ALL_FLAGS.includes(name)) throw new UserInputError('errors.flag.unknown', { flag });
    if (!allowed.includes(name)) throw new UserInputError('errors.flag.not_here', { flag });
    if (SWITCHES.has(name)) {
      flags.cache = name === 'cache';
      continue;
    }
    if (name === 'no') {
      // Midjourney's `--no` takes every word up to the next flag: `--no red cars, people --ar 3:2`. Its words are
      // the user's text, kept as typed (`asFlagToken` reads a word that only looks like a flag: `ーーｆｏｏ'ｓ`).
      const away = match[2] ? [match[2]] : [];
      while (i + 1 < tokens.length && !isFlagAt(tokens, typed, i + 1)) away.push(typed[++i] as string);
      if (away.length === 0) throw new UserInputError('errors.flag.missing_value', { flag });
      negatives.push(away.join(' '));
      continue;
    }
    let value = match[2];
    if (value === undefined) {
      const next = tokens[i + 1];
      if (next === undefined || next.startsWith('--'))
        throw new UserInputError('errors.flag.missing_value', { flag });
      // Typed as it came, as after `=`: each value's reader takes full-width digits (`１６：９`, `４．５`).
      value = next;
      i++;
    }
    applyFlag(flags, name, flag, withoutMarks(value));
  }
  if (negatives.length > 0) flags.negative = negatives.join(', ');
  return { prompt: words.join(' '), flags };
}

const NUMBER_FLAGS = {
  n: { schema: imagesOption, integer: true },
  seed: { schema: seedOption, integer: true },
  steps: { schema: stepsOption, integer: true },
  cfg: { schema: cfgOption, integer: false },
  temperature: { schema: temperatureOption, integer: false },
} as const;

function applyFlag(flags: PromptFlags, name: FlagName, flag: string, value: string): void {
  switch (name) {
    // Both say the shape: the later one wins, as a repeated flag does. A Remix line spells out `--size`, and an `--ar`
    // typed after it (or brought by a custom option) takes its place.
    case 'ar':
      flags.aspect = parseAspect(value, flag);
      delete flags.size;
      return;
    case 'size':
      flags.size = parseSize(value, flag);
      delete flags.aspect;
      return;
    case 'n':
    case 'seed':
    case 'steps':
    case 'cfg':
    case 'temperature': {
      const { schema, integer } = NUMBER_FLAGS[name];
      // Typed text: whole numbers are digits only (`1e2` and `2.0` are not steps); a non-number fails the schema.
      const n = readNumber(value, integer) ?? Number.NaN;
      flags[name === 'n' ? 'images' : name] = checkValue(schema, flag, n, value);
      return;
    }
    default:
      throw new UserInputError('errors.flag.unknown', { flag });
  }
}

/** `16:9`, `3:2`, `1:1` (whole numbers), no more elongated than 4:1. */
export function parseAspect(value: string, flag = '--ar'): Aspect {
  checkValue(aspectOption, flag, value);
  return aspectOf(value) as Aspect;
}

/**
 * `768x512` (or `768×512`), or `768` for a square as `/settings size 768` takes it: each side from MIN_SIDE to
 * MAX_SIDE, rounded to the engine's 16-pixel cells.
 */
export function parseSize(value: string, flag = '--size'): { width: number; height: number } {
  // Full-width digits and `ｘ` as an input method types them (`７６８ｘ５１２`).
  const m = /^(\d{2,5})(?:[x×*](\d{2,5}))?$/i.exec(value.normalize('NFKC').trim());
  const refuse = () =>
    new UserInputError('errors.flag.size', { flag, value: quoted(value), min: MIN_SIDE, max: MAX_SIDE });
  if (!m) throw refuse();
  const [width, height] = [Number(m[1]), Number(m[2] ?? m[1])].map((n) => Math.round(n / CELL) * CELL) as [
    number,
    number,
  ];
  if ([width, height].some((s) => s < MIN_SIDE || s > MAX_SIDE)) throw refuse();
  return { width, height };
}

/** The offered aspect (ASPECT_CHOICES) nearest to a picture's shape, by ratio. */
export function nearestAspect(size: { width: number; height: number }): string {
  const distance = (choice: string) => {
    const a = aspectOf(choice) as Aspect;
    return Math.abs(Math.log((a.w / a.h) * (size.height / size.width)));
  };
  return ASPECT_CHOICES.reduce((best, choice) => (distance(choice) < distance(best) ? choice : best));
}

/**
 * The output size for an aspect ratio at about `sizeClass²` pixels, sides multiples of 16 within [MIN_SIDE,
 * MAX_SIDE]. Where the area would need a side out of bounds (16:9 at 1024² is 1365 × 768), both sides scale
 * together, so the shape asked for is kept and the area gives way: 1024 × 576, not 1024 × 768.
 */
export function sizeForAspect(
  aspect: Aspect,
  sizeClass = DEFAULT_SIZE_CLASS,
): { width: number; height: number } {
  const area = sizeClass * sizeClass;
  const ratio = aspect.w / aspect.h;
  let [w, h] = [Math.sqrt(area * ratio), Math.sqrt(area / ratio)];
  const down = Math.min(1, MAX_SIDE / Math.max(w, h));
  [w, h] = [w * down, h * down];
  // Accepted aspects are at most 4:1, so growing the short side to MIN_SIDE keeps the long one within MAX_SIDE.
  const up = Math.max(1, MIN_SIDE / Math.min(w, h));
  const side = (x: number) => Math.min(MAX_SIDE, Math.max(MIN_SIDE, Math.round((x * up) / CELL) * CELL));
  return { width: side(w), height: side(h) };
}

/**
 * A typed line no schema bounds (a `..` reply's changes, the answer to Remix, Custom zoom or Vary (Region)), refused
 * before it is read when it is longer than any line the bot takes: reading is linear, but a line may be megabytes.
 * The refusal names the prompt's limit, as `promptLine`'s does (options.ts).
 */
export function checkLineLength(line: string): string {
  const length = lengthPastLine(line);
  if (length !== undefined)
    throw new UserInputError('errors.line_too_long', { length, limit: MAX_PROMPT_CHARS });
  return line;
}

/** The checks every prompt passes. Blocked words match whole words in scripts with spaces, substrings in others. */
export function checkPrompt(
  prompt: string,
  { blockedWords = [], required = true }: { blockedWords?: readonly string[]; required?: boolean } = {},
): string {
  const trimmed = prompt.trim();
  // Invisible format characters alone (a zero-width space pasted from a phone) are no prompt either, nor control
  // characters (a NUL). Where a prompt may be left out they are none: a `..` reply or Remix of a /retouch keeps the
  // result's prompt, and a default `--no` is cleared, rather than running on a prompt of invisible marks.
  if (isBlank(trimmed)) {
    if (required) throw new UserInputError('errors.prompt_empty');
    return '';
  }
  const length = codePoints(trimmed);
  if (length > MAX_PROMPT_CHARS) {
    throw new UserInputError('errors.prompt_too_long', { length, limit: MAX_PROMPT_CHARS });
  }
  const lower = comparable(trimmed);
  if (matchersOf(blockedWords).some((hit) => hit(lower))) throw new UserInputError('errors.blocked_words');
  return trimmed;
}

/**
 * Text as blocked words are matched: full-width and styled letters as their plain forms (ｇｏｒｅ, 𝐠𝐨𝐫𝐞), invisible
 * format characters dropped (go\u200bre), lower case. The prompt itself is sent as typed.
 */
function comparable(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/\p{Cf}/gu, '')
    .toLowerCase();
}

type Matcher = (comparableText: string) => boolean;

// The configured list is one array for the process's life: its words are normalized and compiled once, not for every
// prompt.
const compiled = new WeakMap<readonly string[], Matcher[]>();

function matchersOf(blockedWords: readonly string[]): Matcher[] {
  let matchers = compiled.get(blockedWords);
  if (!matchers) {
    matchers = blockedWords
      .map(comparable)
      .filter((word) => word !== '')
      .map((word): Matcher => {
        if (!(/^[\p{L}\p{N}]+$/u.test(word) && /^[\x20-\x7e]+$/.test(word)))
          return (text) => text.includes(word);
        const whole = new RegExp(`(^|[^\\p{L}\\p{N}])${escapeRegExp(word)}($|[^\\p{L}\\p{N}])`, 'u');
        return (text) => whole.test(text);
      });
    compiled.set(blockedWords, matchers);
  }
  return matchers;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
