/** One `dimoo <name>` sub-command. Each lives in its own module and is listed in cli/commands.ts. */
export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  /** More lines for `dimoo <name> --help` (choices of an option, what is inferred). */
  help?: string;
  /** Returns the process exit code. */
  run(argv: string[], io: CliIo): Promise<number>;
}

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** A usage mistake: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
