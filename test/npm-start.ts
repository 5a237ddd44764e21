// `npm start` (or a command around it) run from the repository to its end, for the tests of what a start refuses:
// its exit code and both outputs. Only PATH comes from this process's environment, so no operator's variable leaks in.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const root = join(import.meta.dirname, '..');

/** How a run ended: `code` is absent when a signal ended it. */
export interface Ended {
  code?: number;
  stdout: string;
  stderr: string;
}

/** What `npm start` runs: the bot's entry under tsx. */
export const START_COMMAND: readonly [string, ...string[]] = [
  process.execPath,
  '--import',
  'tsx',
  'src/main.ts',
];

/** Runs `command` with PATH and `env` alone; a start that is not refused would run until killed, so 20 s ends it. */
export async function runToEnd(
  env: Record<string, string>,
  command: readonly [string, ...string[]] = START_COMMAND,
): Promise<Ended> {
  const [file, ...args] = command;
  const result = await promisify(execFile)(file, args, {
    cwd: root,
    env: { PATH: process.env.PATH, ...env },
    timeout: 20_000,
    killSignal: 'SIGKILL',
  }).catch((e: Ended) => e);
  return result as Ended;
}
