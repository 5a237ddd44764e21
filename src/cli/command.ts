import type { Flags } from './flag-help.js';

/** One `dimoo <name>` sub-command: its own module, loaded only when it runs (cli/commands.ts lists them). */
export interface CliCommand {
  usage: string;
  /** The flags it takes, as it parses them: `--help` explains each one, with its default (flag-help.ts). */
  flags: Flags;
  /** More lines for `dimoo <name> --help`, after the flags (choices of an option, what is inferred, limits). */
  help?: string;
  /**
   * Takes `--json`: its result is one JSON object on stdout, and so is a failure (`{"error":{"code","message"}}`,
   * printed by cli/main.ts beside the usual line on stderr).
   */
  json?: boolean;
  /** Returns the process exit code. */
  run(argv: string[], io: CliIo): Promise<number>;
}

/**
 * A command as `dimoo --help` lists it. Its module loads only when it runs: the packages one command needs (BullMQ
 * and Redis for `worker`, sharp and onnxruntime for the tasks) are not loaded for another.
 */
export interface CliCommandEntry {
  name: string;
  summary: string;
  load(): Promise<CliCommand>;
}

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** A usage mistake: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * A failure outside the engine that the user can fix (an output folder that cannot be written, a prompt file that
 * cannot be read) or caused (Ctrl-C): one line on stderr, exit code 1 unless `exitCode` says otherwise (130 for
 * Ctrl-C). `code` names it in `--json` errors.
 */
export class CliError extends Error {
  override name = 'CliError';
  readonly exitCode: number;
  constructor(
    readonly code:
      | 'output_unwritable'
      | 'output_format'
      | 'prompts_invalid'
      | 'interrupted'
      | 'config_invalid'
      | 'queue_url_missing'
      | 'port_unavailable'
      | 'start_failed',
    message: string,
    options: { exitCode?: number } = {},
  ) {
    super(message);
    this.exitCode = options.exitCode ?? 1;
  }
}
