// Shared option parsing for the CLI commands: node:util parseArgs with errors turned into UsageError.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { nearestWord } from '../nearest-word.js';
import { UsageError } from './command.js';

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  const parsed = (() => {
    try {
      return parseArgs({ args: argv, options, allowPositionals: false, strict: true, tokens: true });
    } catch (error) {
      throw new UsageError(
        withHint(oneLine(error instanceof Error ? error.message : String(error)), options),
      );
    }
  })();
  refuseRepeated(parsed.tokens, options);
  return parsed.values;
}

/**
 * A flag that takes one value given twice (`--prompt a … --prompt b`): parseArgs keeps the last and drops the
 * other without a word, so a prompt or an output path the user typed would silently go unused.
 */
function refuseRepeated(
  tokens: ReadonlyArray<{ kind: string; name?: string }>,
  options: NonNullable<ParseArgsConfig['options']>,
): void {
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== 'option' || token.name === undefined) continue;
    const option = options[token.name];
    if (option?.type !== 'string' || option.multiple === true) continue;
    if (seen.has(token.name)) throw new UsageError(`--${token.name} is given twice; give it once`);
    seen.add(token.name);
  }
}

/**
 * parseArgs' message in one line. A flag followed by another flag, or by a negative number (`--seed -1`), is
 * "ambiguous" over three lines; said here as what to type instead.
 */
function oneLine(message: string): string {
  const flag = /^Option '(-[^' ]+)' argument is ambiguous/.exec(message)?.[1];
  if (flag) return `${flag} needs a value (one that starts with a dash goes after "=", as in ${flag}=-1)`;
  return message.split('\n').join(' ');
}

/**
 * An unknown flag with the one it most likely meant (`--stpes` → `--steps`), and `--size`, the bot's flag, with the
 * CLI's pair for it.
 */
function withHint(message: string, options: NonNullable<ParseArgsConfig['options']>): string {
  const flag = /^Unknown option '--([^'=]+)'/.exec(message)?.[1];
  if (flag === undefined) return message;
  const unknown = `Unknown option '--${flag}'`;
  if (flag === 'size' && 'width' in options && 'height' in options)
    return `${unknown}: give --width and --height (a multiple of 16 each)`;
  const near = nearestWord(flag, Object.keys(options));
  return near ? `${unknown}. Did you mean --${near}?` : message;
}

// Decimal spellings only: Number() would also read "" as 0 (`--cfg=` silently meaning no guidance), "0x10" as 16
// and "1e2" as 100.
const WHOLE = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** A decimal number as a flag gives it (surrounding spaces ignored), else NaN. */
export function decimal(text: string, whole = false): number {
  const trimmed = text.trim();
  return (whole ? WHOLE : DECIMAL).test(trimmed) ? Number(trimmed) : Number.NaN;
}

export function intOption(name: string, value: string | undefined, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  const n = decimal(value, true);
  if (!Number.isInteger(n)) throw new UsageError(`--${name} must be a whole number, got "${value}"`);
  return n;
}

export function numberOption(name: string, value: string | undefined, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  const n = decimal(value);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got "${value}"`);
  return n;
}

export function required(name: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

/** A progress line on stderr; `end()` closes a line a failure left open, so the error starts a line of its own. */
export interface ProgressBar {
  (step: number, total: number): void;
  end(): void;
}

/**
 * A one-line progress bar (steps and ETA) on stderr, only when stderr is a terminal and the output is not `--json`
 * (whose reader wants one clean JSON object, wherever stderr goes).
 */
export function progressBar(
  stream: NodeJS.WritableStream & { isTTY?: boolean },
  json = false,
  now: () => number = Date.now,
): ProgressBar {
  if (!stream.isTTY || json) return Object.assign(() => undefined, { end: () => undefined });
  const started = now();
  let open = false;
  const draw = (step: number, total: number) => {
    const width = 30;
    const filled = Math.round((step / total) * width);
    const left = step > 0 ? ((now() - started) / step) * (total - step) : 0;
    const eta = step === total ? '' : ` ETA ${Math.ceil(left / 1000)} s`;
    open = step !== total;
    stream.write(
      `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${step}/${total}${eta}\x1b[K${open ? '' : '\n'}`,
    );
  };
  return Object.assign(draw, {
    end: () => {
      if (open) stream.write('\n');
      open = false;
    },
  });
}

/** A flag that takes one of a few words, refused with the word given and the ones it takes. */
export function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new UsageError(`--${flag} must be one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}
