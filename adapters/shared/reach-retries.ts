// Reaching a platform at start-up (Discord: discord/gateway-reach.ts; Telegram: telegram/health.ts): one brief try,
// then, while the platform cannot be reached, tries again with doubling waits for as long as the bot runs. The log
// lines and README promise the tries start "up to a minute" apart: the longest wait plus one try's own time.
// How long one later try may take stays each platform's own (its TRY_MS), so the longest wait is derived from it.
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * How long start-up waits for the platform's first answer before going on without it: the other adapters and the
 * worker start meanwhile. Discord and Telegram both answer in well under a second.
 */
export const FIRST_TRY_MS = 5000;

/** Two tries start at most this far apart (the wait before a try plus the try before it). */
export const TRIES_APART_MS = 60_000;

/** The longest wait between two tries when each may take `tryMs`: together at most TRIES_APART_MS. */
export function maxRetryMs(tryMs: number): number {
  return TRIES_APART_MS - tryMs;
}

export interface RetryTimes {
  /** The first wait, before the second try; the waits double from it. */
  firstWaitMs: number;
  /** How long each try may take (the caller bounds it): it shortens the longest wait. */
  tryMs: number;
  /** Aborts when the bot stops: no wait or try starts after it. */
  stopped: AbortSignal;
}

/** The waits between tries: `firstWaitMs`, then twice as long each time, none longer than `maxRetryMs(tryMs)`. */
export function* retryWaits(firstWaitMs: number, tryMs: number): Generator<number, never> {
  const longest = maxRetryMs(tryMs);
  for (let wait = Math.min(longest, firstWaitMs); ; wait = Math.min(longest, wait * 2)) yield wait;
}

/**
 * Runs `attempt` after each of `retryWaits`, until it gives a value: that value, or undefined once `stopped` aborts
 * (during a wait, or before the next try starts). What `attempt` throws ends the tries and is thrown.
 */
export async function retryUntilAnswered<T>(
  attempt: () => Promise<T | undefined>,
  { firstWaitMs, tryMs, stopped }: RetryTimes,
): Promise<T | undefined> {
  for (const wait of retryWaits(firstWaitMs, tryMs)) {
    const slept = await sleep(wait, true, { signal: stopped }).catch(() => false);
    if (!slept || stopped.aborted) return undefined;
    const answer = await attempt();
    if (answer !== undefined) return answer;
  }
  return undefined;
}
