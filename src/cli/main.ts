import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineError } from '../../engine/index.js';
import { nearestWord } from '../nearest-word.js';
import { type CliCommand, CliError, type CliIo, UsageError } from './command.js';
import { commands } from './commands.js';
import { optionsHelp } from './flag-help.js';
import { flagsOf, withFlagNames } from './flag-names.js';

/**
 * package.json's version, read when asked: not imported, as an import of JSON takes import attributes, which
 * Node 20 before 20.10 cannot parse (engines says >=20), and would put the whole file in the bundle. Looked for
 * upwards, as this module runs from src/cli/ or from the bundle in dist/.
 */
function packageVersion(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const { name, version } = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (name === 'dimoo-bot' && typeof version === 'string') return version;
    } catch {
      // None here (or not ours): the one above.
    }
    if (dirname(folder) === folder)
      throw new Error("dimoo-bot's package.json was not found above this module");
    folder = dirname(folder);
  }
}

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: dimoo <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run "dimoo <command> --help" for the options of one command, "dimoo --version" (-v) for the version.',
    'Set DIMOO_DEBUG=1 to print the stack trace of an internal error (one that is not a mistake in the input)',
    'after its one line, for a bug report.',
  ].join('\n');
}

/** The `code` of a failure as `--json` reports it: the engine's codes, `usage`, the CLI's own, else `internal`. */
function errorCode(error: unknown): string {
  if (error instanceof EngineError || error instanceof CliError) return error.code;
  if (error instanceof UsageError) return 'usage';
  return 'internal';
}

/** The failure's line: an engine refusal names the command's flags, not the request's fields (flag-names.ts). */
function messageOf(command: CliCommand, error: unknown): string {
  if (error instanceof EngineError && error.code === 'bad_request')
    return withFlagNames(error.message, flagsOf(command.usage));
  return error instanceof Error ? error.message : String(error);
}

/** With DIMOO_DEBUG=1, an internal error's stack (and its causes'), for a bug report; mistakes keep one line. */
function debugTrace(error: unknown): string {
  if (process.env.DIMOO_DEBUG !== '1' || errorCode(error) !== 'internal') return '';
  const lines: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 8; depth++) {
    lines.push(
      `${depth === 0 ? '' : 'Caused by: '}${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
    );
    e = e instanceof Error ? e.cause : undefined;
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Every failure of a command, reported once: a usage mistake with the usage (exit 2), anything else as one line
 * (exit 1, or a CliError's own code: 130 after Ctrl-C), both on stderr, an internal error's stack after it with
 * DIMOO_DEBUG=1; with `--json` also `{"error":{"code","message"}}` on stdout, where a script reads.
 */
function reportFailure(name: string, command: CliCommand, error: unknown, io: CliIo, json: boolean): number {
  const message = messageOf(command, error);
  const usageError = error instanceof UsageError;
  io.stderr.write(usageError ? `${message}\n\nUsage: ${command.usage}\n` : `dimoo ${name}: ${message}\n`);
  const trace = debugTrace(error);
  if (trace) io.stderr.write(trace);
  if (json) io.stdout.write(`${JSON.stringify({ error: { code: errorCode(error), message } })}\n`);
  if (usageError) return 2;
  return error instanceof CliError ? error.exitCode : 1;
}

export async function main(argv: string[], io: CliIo = process): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    const near = nearestWord(
      name,
      commands.map((c) => c.name),
    );
    io.stderr.write(`Unknown command "${name}".${near ? ` Did you mean "${near}"?` : ''}\n\n${usage()}\n`);
    return 2;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    const sections = [
      ...(Object.keys(command.flags).length > 0 ? [optionsHelp(command.flags)] : []),
      ...(command.help ? [command.help] : []),
    ];
    io.stdout.write(
      `Usage: ${command.usage}\n\n${entry.summary}\n${sections.map((s) => `\n${s}\n`).join('')}`,
    );
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    // Seen in the raw arguments, so a usage mistake anywhere in them is still reported as JSON.
    return reportFailure(name, command, error, io, command.json === true && rest.includes('--json'));
  }
}
