// What one command is, as plain data: its name (also the Telegram command and the `command.<name>.*` locale
// prefix), its options as one zod object (types, limits and choices live in the schema, validated once), and the
// grammar of its typed form. Everything platform-shaped (Discord's command JSON, Telegram's menus, the text parser,
// /help) is derived from these specs by reading the schema, so an option is added in one place.
import { z } from 'zod';
import type { Platform } from '../src/jobs/index.js';
import type { UserInputCode } from './errors.js';
import type { InputImage } from './inputs.js';

export type OptionType = 'string' | 'integer' | 'number' | 'boolean' | 'attachment' | 'user';

/** What a spec may say about one option beyond its zod type (kept in the schema's `.meta()`). */
export interface OptionMeta {
  /** The option is an image the user gives (downloaded by the adapter, checked by the handler). */
  attachment?: boolean;
  /**
   * The option names a user of the asker's platform by id (Discord: a USER option the client picks; typed: the id;
   * Telegram: else the author of the message the command replies to, `CommandContext.repliedUser`).
   */
  user?: boolean;
  /** Choices offered to the user (Discord's `choices`) while the schema accepts more (any valid `W:H`). */
  suggestions?: readonly (string | number)[];
  /** Choice labels are the locale keys `<labelPrefix>.<value>`; absent = the value is its own label. */
  labelPrefix?: string;
  /** Each choice is a locale, labelled by its own `meta.language_name`. */
  languageNames?: boolean;
  /** Only typed (`/settings plain on`): not offered as a platform's structured option. */
  typedOnly?: boolean;
  /** The refusal when the text is too long (default `errors.option.too_long`). */
  tooLongKey?: UserInputCode;
  /** The refusal when a required option is missing (default `errors.option.invalid`). */
  missingKey?: UserInputCode;
  /**
   * The refusal of any value a string option does not take, where the option has no name a typed line says (a user
   * id typed after `/unblock`): it quotes the value as `{value}`.
   */
  invalidKey?: UserInputCode;
  /** Values offered while it is typed (Discord's autocomplete), from the user's own things (`suggestions.ts`). */
  suggest?: SuggestionSource;
}

/** The user's waiting and running jobs (/cancel), their custom options (/prefer), the named regions (/retouch). */
export type SuggestionSource = 'own_jobs' | 'custom_options' | 'regions';

/** How the words after `/name` map to options. */
export interface TextGrammar {
  /** The option that takes the words no other rule took (a prompt, a question, a job id). */
  rest?: string;
  /** `--word value` anywhere in the line sets an option (`--type`, `--box` → boxes, `--pan` → direction). */
  named?: Readonly<Record<string, string>>;
  /**
   * Leading words matching a pattern set an option (retouch boxes, outpaint `2x` or `left`), unless a named
   * option was given; the first capture group that matched is the value. Tried in order; `repeat` takes every
   * leading match, joined by `separator`.
   */
  leading?: ReadonlyArray<{ option: string; pattern: RegExp; repeat?: boolean; separator?: string }>;
  /** `key=value`, `key: value` or `key value` pairs, one per option (settings). */
  pairs?: boolean;
  /** With `pairs`: the option whose value is every word after its key (a negative prompt), so it comes last. */
  lastPair?: string;
  /** A line added under the typed command's answer (how to type a change). */
  footerKey?: string;
  /** Answers (by their first line's key) that get no `footerKey`: a saved option needs no "make one" under it. */
  noFooterAfter?: readonly string[];
}

export interface CommandSpec<S extends z.ZodObject = z.ZodObject> {
  name: string;
  options: S;
  text?: TextGrammar;
  /**
   * Only admins may run it: refused to others before the handler (`errors.admin_only`), and left out of /help and
   * Telegram's menu (everyone's) for them.
   */
  adminOnly?: boolean;
  /** Platforms that show it; absent = all. */
  platforms?: readonly Platform[];
  /** Another command this one runs (Telegram's /start is /help). */
  aliasOf?: string;
  /** Extra Telegram command names for the same command (`/draw` for `/imagine`). */
  telegramAliases?: readonly string[];
  /** Shown in /help's command list; false for a second name of another command. */
  listed?: boolean;
  /** The answer is for the asker only (Discord: ephemeral even when the deferral must choose before it is made). */
  personal?: boolean;
  /**
   * The text option whose braces are permutations (`a {red, blue} bird`): one job per line it stands for
   * (`job-command.ts`).
   */
  permutes?: string;
}

export const descriptionKey = (command: string) => `command.${command}.description`;
export const optionDescriptionKey = (command: string, option: string) =>
  `command.${command}.options.${option}.description`;
/** An option's name in a platform's own form (Discord's `name_localizations`); the spec's name stays the key. */
export const optionNameKey = (command: string, option: string) => `command.${command}.options.${option}.name`;

/** An image option: the adapter's downloaded bytes. */
export function attachment() {
  return z
    .custom<InputImage>((value) => value !== null && typeof value === 'object' && 'data' in value)
    .meta({ attachment: true });
}

export interface OptionChoice {
  value: string | number;
  /** Locale key of the label; absent = the value is its own label (`16:9`). */
  labelKey?: string;
  /** A locale labelled in its own language. */
  ownLanguage?: boolean;
}

/** One option as derived from the schema, in declaration order. */
export interface OptionInfo {
  name: string;
  type: OptionType;
  required: boolean;
  choices?: readonly OptionChoice[];
  min?: number;
  max?: number;
  maxLength?: number;
  typedOnly: boolean;
  meta: OptionMeta;
}

/** The options of a spec, read from its zod object. */
export function optionsOf(spec: CommandSpec): OptionInfo[] {
  return Object.entries(spec.options.shape).map(([name, field]) => describeOption(name, field as z.ZodType));
}

export function describeOption(name: string, field: z.ZodType): OptionInfo {
  const required = !(field instanceof z.ZodOptional);
  const inner = field instanceof z.ZodOptional ? (field.unwrap() as z.ZodType) : field;
  const meta = (inner.meta() ?? {}) as OptionMeta;
  const info: OptionInfo = { name, type: 'string', required, typedOnly: meta.typedOnly === true, meta };
  let values: readonly (string | number)[] | undefined = meta.suggestions;
  if (meta.attachment) info.type = 'attachment';
  else if (meta.user) info.type = 'user';
  else if (inner instanceof z.ZodBoolean) info.type = 'boolean';
  else if (inner instanceof z.ZodNumber) {
    info.type = inner.isInt ? 'integer' : 'number';
    if (Number.isFinite(inner.minValue)) info.min = inner.minValue ?? undefined;
    if (Number.isFinite(inner.maxValue)) info.max = inner.maxValue ?? undefined;
  } else if (inner instanceof z.ZodString) {
    if (inner.maxLength !== null) info.maxLength = inner.maxLength;
  } else if (inner instanceof z.ZodEnum) {
    values = inner.options as (string | number)[];
  } else if (inner instanceof z.ZodLiteral) {
    values = [...inner.values] as (string | number)[];
    info.type = values.every((v) => typeof v === 'number')
      ? values.every(Number.isInteger)
        ? 'integer'
        : 'number'
      : 'string';
  }
  if (values) {
    info.choices = values.map((value) => ({
      value,
      ...(meta.labelPrefix ? { labelKey: `${meta.labelPrefix}.${value}` } : {}),
      ...(meta.languageNames ? { ownLanguage: true } : {}),
    }));
  }
  return info;
}

/**
 * How a command takes images: `own`, how many of the images sent with the message it uses (its image options, in
 * order); `replied`, whether the image of the message it replies to may stand for its first. Only a required image
 * reaches into the replied-to message: an optional one (/imagine's subject) comes with the message or not at all,
 * so a fresh /imagine sent as a reply to an earlier picture draws anew rather than from it.
 */
export function imageSlots(spec: CommandSpec): { own: number; replied: boolean } {
  const slots = optionsOf(spec).filter((o) => o.type === 'attachment');
  return { own: slots.length, replied: slots[0]?.required === true };
}

/** The spec shows on this platform. */
export function onPlatform(spec: CommandSpec, platform: Platform): boolean {
  return !spec.platforms || spec.platforms.includes(platform);
}

/**
 * The commands a platform lists for its users (/help, the playground's suggestions): no second names, and admin
 * commands only for admins.
 */
export function listedCommands(
  specs: readonly CommandSpec[],
  platform: Platform,
  admin = false,
): CommandSpec[] {
  return specs.filter(
    (spec) =>
      spec.listed !== false && !spec.aliasOf && onPlatform(spec, platform) && (admin || !spec.adminOnly),
  );
}

/** The minus signs an id may be typed with (ASCII, small, full-width): NFKC makes each an ASCII one. */
export const MINUS = '[-\\uFE63\\uFF0D]';

/**
 * A user of the asker's platform, by id (Discord's snowflakes, Telegram's numeric ids, a Telegram chat's negative
 * one: `isUserIdOn` says where a minus may stand). Typed (`/unblock abc`), a word that is no id is said to be none.
 * Decimal digits of any script (Unicode's Nd: an input method's full-width ones, Arabic-Indic, Devanagari, Thai…)
 * are the digits they stand for, and a full-width minus a minus, however the id came (a grammar's leading word or the
 * rest of the line), so an id typed one way names the same user in every command. Only decimal digits are: NFKC also
 * makes `①`, `¹` or `₁` a 1, and a block must not fall on a user nobody wrote.
 */
export function userOption() {
  return z
    .string()
    .regex(new RegExp(`^${MINUS}?\\p{Nd}+$`, 'u'))
    .normalize('NFKC')
    .overwrite(asciiDigits)
    .regex(/^-?\d{1,20}$/)
    .meta({ user: true, invalidKey: 'errors.block.user_invalid' });
}

/** Whether a word reads as an id the way `userOption` reads it: NFKC, then every decimal digit an ASCII one. */
export function readsAsUserId(word: string): boolean {
  return /^-?\d+$/.test(asciiDigits(word.normalize('NFKC')));
}

const DECIMAL_DIGIT = /^\p{Nd}$/u;

/**
 * Every decimal digit (Unicode's Nd) as its ASCII one; other characters as they are. Unicode encodes each script's
 * decimal digits as one run 0–9 (runs may abut), so a digit's value is its distance from where its run of Nd
 * characters starts, mod 10: no table to keep up with new scripts.
 */
export function asciiDigits(text: string): string {
  return text.replace(/\p{Nd}/gu, (digit) => {
    const at = digit.codePointAt(0) ?? 0;
    let start = at;
    while (DECIMAL_DIGIT.test(String.fromCodePoint(start - 1))) start--;
    return String((at - start) % 10);
  });
}

/**
 * Where a user key may be negative: on Telegram a chat speaking as itself (an anonymous admin, a channel) is its
 * chat's id (adapters/telegram/sender-id.ts), and a group's or channel's is below 0. Discord's ids never are.
 */
export const SIGNED_USER_IDS: ReadonlySet<Platform> = new Set<Platform>(['telegram']);

/**
 * Whether an id `userOption` took can be a user of `platform`. No id is 0 or written with a leading zero (`-0`,
 * `007`): the key it would make (`telegram:-0`) is one no user has, so blocking it would keep no one away.
 */
export function isUserIdOn(platform: Platform, id: string): boolean {
  return /^-?[1-9]/.test(id) && (!id.startsWith('-') || SIGNED_USER_IDS.has(platform));
}
