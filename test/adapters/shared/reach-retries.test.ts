// Reaching a platform at start (shared by Discord's DiscordReach and Telegram's TelegramReach): the waits between
// tries double up to a bound that keeps two tries' starts at most a minute apart, and a stop ends the tries.
import { describe, expect, it } from 'vitest';
import {
  MAX_RETRY_MS as DISCORD_MAX,
  TRY_MS as DISCORD_TRY,
} from '../../../adapters/discord/gateway-reach.js';
import {
  maxRetryMs,
  retryUntilAnswered,
  retryWaits,
  TRIES_APART_MS,
} from '../../../adapters/shared/reach-retries.js';
import { MAX_RETRY_MS as TELEGRAM_MAX, TRY_MS as TELEGRAM_TRY } from '../../../adapters/telegram/health.js';

const first = (count: number, waits: Iterator<number>) =>
  Array.from({ length: count }, () => waits.next().value);

describe('retryWaits', () => {
  it('doubles from the first wait up to the bound, for each platform’s own try time', () => {
    expect(first(6, retryWaits(5000, DISCORD_TRY))).toEqual([5000, 10_000, 20_000, 40_000, 40_000, 40_000]);
    expect(first(5, retryWaits(5000, TELEGRAM_TRY))).toEqual([5000, 10_000, 20_000, 30_000, 30_000]);
  });

  it('a first wait above the bound is held to it: no two tries start more than a minute apart', () => {
    expect(first(2, retryWaits(90_000, TELEGRAM_TRY))).toEqual([30_000, 30_000]);
    for (const tryMs of [DISCORD_TRY, TELEGRAM_TRY]) expect(maxRetryMs(tryMs) + tryMs).toBe(TRIES_APART_MS);
  });

  it('both platforms take their bound from here', () => {
    expect(DISCORD_MAX).toBe(maxRetryMs(DISCORD_TRY));
    expect(TELEGRAM_MAX).toBe(maxRetryMs(TELEGRAM_TRY));
  });
});

describe('retryUntilAnswered', () => {
  it('tries until an answer comes, and gives it back', async () => {
    let tries = 0;
    const attempt = async () => {
      tries += 1;
      return tries === 3 ? 'answer' : undefined;
    };
    const times = { firstWaitMs: 1, tryMs: 1000, stopped: new AbortController().signal };
    await expect(retryUntilAnswered(attempt, times)).resolves.toBe('answer');
    expect(tries).toBe(3);
  });

  it('a stop during a try ends the tries: none starts after it', async () => {
    const stop = new AbortController();
    let tries = 0;
    const attempt = async () => {
      tries += 1;
      stop.abort();
      return undefined;
    };
    await expect(
      retryUntilAnswered(attempt, { firstWaitMs: 1, tryMs: 1000, stopped: stop.signal }),
    ).resolves.toBe(undefined);
    expect(tries).toBe(1);
  });

  it('what a try throws ends the tries and is thrown', async () => {
    const attempt = () => Promise.reject(new Error('refused for good'));
    const times = { firstWaitMs: 1, tryMs: 1000, stopped: new AbortController().signal };
    await expect(retryUntilAnswered(attempt, times)).rejects.toThrow('refused for good');
  });
});
