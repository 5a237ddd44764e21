// Shared option parsing for the CLI commands: node:util parseArgs with errors turned into UsageError.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './command.js';

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: false, strict: true }).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** parseArgs' table for flags that take a value, `stringFlags('out', 'seed')`, typed by their names. */
export function stringFlags<const N extends string>(...names: N[]): Record<N, { type: 'string' }> {
  return Object.fromEntries(names.map((name) => [name, { type: 'string' }])) as Record<N, { type: 'string' }>;
}

export function intOption(name: string, value: string | undefined, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new UsageError(`--${name} must be a whole number, got "${value}"`);
  return n;
}

export function numberOption(name: string, value: string | undefined, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got "${value}"`);
  return n;
}

export function required(name: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

/**
 * A one-line progress bar (steps and ETA) on stderr, only when stderr is a terminal and the output is not `--json`
 * (whose reader wants one clean JSON object, wherever stderr goes).
 */
export function progressBar(
  stream: NodeJS.WritableStream & { isTTY?: boolean },
  json = false,
  now: () => number = Date.now,
): (step: number, total: number) => void {
  if (!stream.isTTY || json) return () => undefined;
  const started = now();
  return (step, total) => {
    const width = 30;
    const filled = Math.round((step / total) * width);
    const left = step > 0 ? ((now() - started) / step) * (total - step) : 0;
    const eta = step === total ? '' : ` ETA ${Math.ceil(left / 1000)} s`;
    stream.write(
      `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${step}/${total}${eta}\x1b[K${step === total ? '\n' : ''}`,
    );
  };
}
