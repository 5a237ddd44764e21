// Telegram's flood control answers 429 with `retry_after`. grammY's auto-retry waits out short ones itself and hands
// longer ones back as errors; a job's ending would then be lost although waiting would deliver it. Its final
// delivery waits instead (bounded, and never past the adapter's stop), while progress edits are simply skipped:
// the newest state wins anyway.
import { GrammyError } from 'grammy';

/** The longest a job's ending waits out flood control before it counts as undelivered. */
export const MAX_FLOOD_WAIT_MS = 10 * 60_000;

/** Wraps one Bot API call that must not be lost to a 429. */
export type Persist = <T>(call: () => Promise<T>) => Promise<T>;

/** A call tried once: what is sent without waiting. */
export const once: Persist = (call) => call();

/** The seconds a 429 asks to wait; undefined for any other failure. */
export function retryAfterOf(error: unknown): number | undefined {
  if (!(error instanceof GrammyError) || error.error_code !== 429) return undefined;
  const seconds = error.parameters.retry_after;
  return typeof seconds === 'number' && seconds >= 0 ? seconds : undefined;
}

/**
 * Runs `call`, and after each 429 waits `retry_after` and runs it again, while the waits add up to at most
 * `maxWaitMs`. A wait past that is not started (Telegram refuses a call before its `retry_after`, so retrying
 * early would fail again); an abort of `signal` ends the wait at once with the 429.
 */
export async function outlastFlood<T>(
  call: () => Promise<T>,
  signal: AbortSignal,
  maxWaitMs = MAX_FLOOD_WAIT_MS,
): Promise<T> {
  let waited = 0;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      const seconds = retryAfterOf(error);
      if (seconds === undefined || signal.aborted) throw error;
      const ms = seconds * 1000;
      if (waited + ms > maxWaitMs) throw error;
      if (!(await pause(ms, signal))) throw error;
      waited += ms;
    }
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (finished: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', aborted);
      resolve(finished);
    };
    const aborted = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal.addEventListener('abort', aborted, { once: true });
  });
}
