// Ctrl-C (SIGINT) or SIGTERM while a task command runs the model. Killed outright, the process could stop in the
// middle of writing a PNG and would say nothing; instead the first signal aborts the generation at its next step
// (the engine closes, no file is written) and the command ends with one line and 128 + the signal's number, as a
// shell reports a killed command. A signal that arrives while results are written lets them finish first. A second
// signal exits at once.
import { EngineError } from '../../engine/index.js';
import { CliError } from './command.js';

const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type Watched = keyof typeof EXIT_CODES;

export interface Interruption {
  /** Aborted by the first SIGINT or SIGTERM: hand it to every generation. */
  signal: AbortSignal;
  /** `what` ("nothing was written") as the failure to report, with the signal's exit code. */
  error(what: string): CliError;
  /** The engine's cancellation, when this interruption caused it, as `error(what)`; anything else as it is. */
  translate(error: unknown, what: string): unknown;
  dispose(): void;
}

export function watchInterrupts(): Interruption {
  const controller = new AbortController();
  let received: Watched | undefined;
  const on = (name: Watched) => {
    if (received) process.exit(EXIT_CODES[name]);
    received = name;
    controller.abort();
  };
  const onInt = () => on('SIGINT');
  const onTerm = () => on('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  const error = (what: string) =>
    new CliError('interrupted', `interrupted (${received ?? 'SIGINT'}); ${what}`, {
      exitCode: EXIT_CODES[received ?? 'SIGINT'],
    });
  return {
    signal: controller.signal,
    error,
    translate: (failure, what) =>
      received && failure instanceof EngineError && failure.code === 'cancelled' ? error(what) : failure,
    dispose: () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}
