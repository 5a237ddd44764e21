/** One `dimoo <name>` sub-command: its own module, loaded only when it runs (cli/commands.ts lists them). */
export interface CliCommand {
  usage: string;
  /** More lines for `dimoo <name> --help` (choices of an option, what is inferred). */
  help?: string;
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
