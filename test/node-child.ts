// A process of its own for the tests of what would hang: a hang is then a child killed at 30 s, not a stuck test
// worker. Run in the repository root with only PATH, DEVICE=cpu and what the test adds in its environment.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  err: string;
}

/** `node argv…`; `killSignal` is what ends it at 30 s. */
export function runNode(
  argv: string[],
  env: Record<string, string> = {},
  killSignal: NodeJS.Signals = 'SIGTERM',
): Promise<Ended> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      argv,
      {
        cwd: root,
        timeout: 30_000,
        killSignal,
        env: { PATH: process.env.PATH, DEVICE: 'cpu', ...env },
      },
      (error, _out, err) =>
        done({
          code: error ? (typeof error.code === 'number' ? error.code : null) : 0,
          signal: error?.signal ?? null,
          err,
        }),
    );
  });
}
