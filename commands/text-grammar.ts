// Commands typed as text (Telegram messages and captions, the playground's chat line): `/imagine@bot a fox --ar
// 16:9`, `/retouch 0.1,0.1,0.5,0.5 a hat`, `/outpaint 2x more sky`, `/settings size=768 private=on`. The words
// after the command become options by the command's own grammar (spec.ts `TextGrammar`), typed by its schema, so
// they arrive as the same options a platform's structured command delivers.
import { UserInputError } from './errors.js';
import { withoutMarks, withoutMarksAtFlags } from './flag-marks.js';
import { readNumber } from './options.js';
import { isBlank, quoted } from './quoted-text.js';
import { boxParts, namedRegion } from './regions.js';
import { type CommandSpec, type OptionInfo, optionsOf } from './spec.js';
import { TYPED_DASHES_SOURCE } from './typed-dashes.js';

export interface TextCommand {
  /** The spec's command name (aliases resolved: /draw → imagine, /start → help). */
  name: string;
  /** Everything after the command word. */
  args: string;
}

/** The spec a command word names, by name or Telegram alias. */
export function findSpec(specs: readonly CommandSpec[], word: string): CommandSpec | undefined {
  return specs.find((c) => c.name === word || c.telegramAliases?.includes(word));
}

/** `/name[@bot] args`; undefined when the text is not a command of ours (or is addressed to another bot). */
export function parseTextCommand(
  specs: readonly CommandSpec[],
  text: string,
  botUsername?: string,
): TextCommand | undefined {
  const m = /^\/([a-z0-9_]{1,32})(?:@([a-z0-9_]{3,64}))?(?:\s+([\s\S]*))?$/i.exec(text.trim());
  if (!m) return undefined;
  const [, word = '', addressee, args = ''] = m;
  if (addressee && botUsername && addressee.toLowerCase() !== botUsername.toLowerCase()) return undefined;
  const spec = findSpec(specs, word.toLowerCase());
  if (!spec) return undefined;
  return { name: spec.aliasOf ?? spec.name, args: args.trim() };
}

/**
 * Takes `--name value` (or `--name=value`, or a phone's `—name`, an input method's `ーーｎａｍｅ`) out of a line,
 * wherever it stands; the rest is left for the other rules. A value that ends in `,` or `;` is a list typed with
 * spaces (`--box center, top-left`): it goes on to the next word where that word can be on a list of regions, and
 * stops before any other (`--box center; hat`, `--box center, a red hat`: the prompt's words). Typed twice, the later
 * one wins, as a repeated flag does. A `--name` with no value (at the end, before another `--flag`, or `--name=`
 * alone) is refused as a flag without its value would be; a keyboard's `—name` without one stays a word (a dash is
 * punctuation too).
 */
export function takeOption(text: string, name: string): { rest: string; value?: string } {
  const taking = new RegExp(
    `(?:^|\\s)(?:--|${TYPED_DASHES_SOURCE})${typedName(name)}(?:[=＝]|\\s+)(?!--)(\\S+)`,
    'gi',
  );
  const nextWord = /\s+(\S+)/y;
  let value: string | undefined;
  let rest = '';
  let kept = 0;
  for (let m = taking.exec(text); m; m = taking.exec(text)) {
    const words = [m[1] as string];
    nextWord.lastIndex = taking.lastIndex;
    for (let next = nextWord.exec(text); next; next = nextWord.exec(text)) {
      const word = next[1] as string;
      if (!/[,;，；]$/.test(words.at(-1) as string) || !isRegionItem(word)) break;
      words.push(word);
      taking.lastIndex = nextWord.lastIndex;
    }
    value = words.join(' ');
    rest += text.slice(kept, m.index);
    kept = taking.lastIndex;
  }
  rest += text.slice(kept);
  if (new RegExp(`(?:^|\\s)--${typedName(name)}(?:[=＝]|(?=\\s|$))`, 'i').test(rest))
    throw new UserInputError('errors.flag.missing_value', { flag: `--${name}` });
  return value === undefined ? { rest: text } : { rest: rest.trim(), value };
}

/** `x,y,w,h` as typed, right or not: a list's fractions out of range are refused by `parseBoxes`, not made prompt. */
const FRACTIONS = /^[\d.]+(?:,[\d.]*)+$/;

/**
 * Whether a word can go on a list of regions after a `,` or `;`: every part of it, as `parseBoxes` parts it, is a
 * region's name (`top-left`, `Centre`, `ｔｏｐ`) or fractions. Any other word starts the prompt, so a list's stray
 * trailing `;` leaves the prompt its first word rather than refusing it as a region.
 */
function isRegionItem(word: string): boolean {
  const parts = boxParts(word);
  return parts.length > 0 && parts.every((part) => FRACTIONS.test(part) || namedRegion(part) !== undefined);
}

/** A grammar word as a pattern that also matches it in full-width letters (`ｚｏｏｍ`), as input methods type it. */
function typedName(name: string): string {
  return [...name]
    .map((c) => (/[a-z]/i.test(c) ? `[${c}${String.fromCharCode(c.charCodeAt(0) + 0xfee0)}]` : c))
    .join('');
}

/**
 * Stored text typed back into a line of this command (a prompt in Vary (Region)'s `--box` line): a word the grammar
 * would take as one of its `--name` options (a prompt's `—box of chocolates`, `ーーbox`) loses its dashes, so it
 * stays a word.
 */
export function asGrammarWords(spec: CommandSpec, text: string): string {
  const names = Object.keys(spec.text?.named ?? {});
  if (names.length === 0) return text;
  const words = names.map(typedName).join('|');
  return text.replace(
    new RegExp(`(^|\\s)(?:--|${TYPED_DASHES_SOURCE})(?=(?:${words})(?:[=＝]|\\s|$))`, 'gi'),
    '$1',
  );
}

export interface TypedOptions {
  options: Record<string, unknown>;
  /** `key=value` pairs naming no option (settings), for the caller to name in its refusal. */
  unknown: string[];
  /**
   * The flag that set an option, where it has one that is not its own name (`--pan` for `direction`, `--zoom` for a
   * leading `2x` too): what a refusal of its value names (`CommandCall.labels`), the option's name meaning nothing
   * to someone who typed a line.
   */
  labels: Record<string, string>;
}

/**
 * The options a typed line gives a command, by its grammar; values typed by the option (numbers, switches).
 * Invisible marks at its `--words` are nothing, as at a prompt's flags (`flag-marks.ts`).
 */
export function parseArgs(spec: CommandSpec, args: string): TypedOptions {
  const grammar = spec.text ?? {};
  const infos = new Map(optionsOf(spec).map((o) => [o.name, o]));
  const flags = new Map(Object.entries(grammar.named ?? {}).map(([word, option]) => [option, `--${word}`]));
  const options: Record<string, unknown> = {};
  const labels: Record<string, string> = {};
  const set = (name: string, value: string) => {
    const info = infos.get(name);
    if (!info) return;
    options[name] = typed(info, value);
    const flag = flags.get(name);
    if (flag !== undefined) labels[name] = flag;
  };
  // A line of invisible marks alone is the command typed alone (`/prefer` lists, `/settings` shows).
  if (isBlank(args)) return { options, unknown: [], labels };
  if (grammar.pairs) return readPairs(args, infos, grammar.lastPair);
  // Its own `--words` only: the prompt's flags are its reader's (`parsePrompt`) to part from a word.
  const isWord = (name: string) => Object.hasOwn(grammar.named ?? {}, name);
  let rest = withoutMarksAtFlags(args, isWord).trim();
  let named = false;
  for (const [word, option] of Object.entries(grammar.named ?? {})) {
    const taken = takeOption(rest, word);
    if (taken.value === undefined) continue;
    set(option, taken.value);
    rest = taken.rest;
    named = true;
  }
  if (!named && grammar.leading) rest = takeLeading(rest, grammar.leading, set);
  if (grammar.rest) {
    const info = infos.get(grammar.rest);
    if (rest !== '' || info?.required) options[grammar.rest] = rest;
  }
  return { options, unknown: [], labels };
}

function takeLeading(
  line: string,
  rules: NonNullable<CommandSpec['text']>['leading'] & object,
  set: (name: string, value: string) => void,
): string {
  const words = line.split(/\s+/).filter((word) => !isBlank(word));
  for (const rule of rules) {
    const values: string[] = [];
    // An index, not `shift()`: shifting a long array copies it, once per word taken.
    let next = 0;
    while (next < words.length && (rule.repeat || values.length === 0)) {
      // Read as an input method's full-width digits and letters would be after a flag (`２ｘ` is `2x`), where the
      // word as typed is none: a word the rule takes as it is (/prefer's name) stays as typed, for a refusal to quote.
      const word = words[next] as string;
      const match = rule.pattern.exec(word) ?? rule.pattern.exec(word.normalize('NFKC'));
      if (!match) break;
      values.push(match.slice(1).find((group) => group !== undefined) ?? match[0]);
      next++;
    }
    if (values.length === 0) continue;
    set(rule.option, values.join(rule.separator ?? ' '));
    return words.slice(next).join(' ');
  }
  return line;
}

/** `key=value`, `key: value` (as /settings shows them) and `key value` all work. */
function readPairs(args: string, infos: ReadonlyMap<string, OptionInfo>, lastPair?: string): TypedOptions {
  const options: Record<string, unknown> = {};
  const unknown: string[] = [];
  const tokens = args.split(/\s+/).filter((token) => !isBlank(token));
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    // An input method's full-width `＝` and `：` are the same.
    const eq = token.search(/[=＝]/);
    // `=5` or `:` alone names no key: the refusal quotes what was typed rather than nothing. A key holds no
    // invisible mark (a phone's, after `steps`), and its full-width letters are the plain ones (`ｓｉｚｅ`), as its
    // value's full-width digits are: only the key is folded, `no`'s words stay as typed.
    const typedKey = withoutMarks(eq < 0 ? token.replace(/[:：]$/, '') : token.slice(0, eq)) || token;
    const key = typedKey.normalize('NFKC').toLowerCase();
    if (lastPair !== undefined && key === lastPair) {
      const words = [eq < 0 ? '' : token.slice(eq + 1), ...tokens.slice(i + 1)];
      options[lastPair] = words.filter(Boolean).join(' ');
      break;
    }
    let value = eq < 0 ? undefined : token.slice(eq + 1);
    if (value === undefined) {
      value = tokens[i + 1] ?? '';
      i++;
    }
    const info = infos.get(key);
    if (info && info.type !== 'attachment') {
      // `steps` alone (or `steps=`) names no value: refused as a flag without one is, not as an empty number.
      if (isBlank(value)) throw new UserInputError('errors.flag.missing_value', { flag: info.name });
      options[info.name] = typed(info, value);
    } else unknown.push(quoted(typedKey));
  }
  return { options, unknown, labels: {} };
}

const YES = /^(on|true|yes|1|✓|imagine)$/i;
const NO = /^(off|false|no|0|✗)$/i;

/**
 * A typed word as the option's type; a word that is no number (or no on/off) stays text, for the schema to refuse
 * by name: `/settings private ja` must not quietly turn privacy off. A number, a switch or a choice holds no
 * invisible mark (one a phone put after it is nothing), and its full-width letters are the plain ones (`ｌｅｆｔ`), as
 * a number's full-width digits are.
 */
function typed(info: OptionInfo, value: string): unknown {
  if (info.type === 'string' && !info.choices) return value;
  const plain = withoutMarks(value).normalize('NFKC');
  if (info.type === 'boolean') return YES.test(plain) ? true : NO.test(plain) ? false : value;
  // A choice matches whatever its case (`Left`, `zh-cn`).
  const choice = info.choices?.find((c) => String(c.value).toLowerCase() === plain.toLowerCase());
  if (choice) return choice.value;
  if (info.type === 'integer' || info.type === 'number')
    return readNumber(plain, info.type === 'integer') ?? value;
  return value;
}
