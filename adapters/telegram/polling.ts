// Long polling that outlasts an outage. @grammyjs/runner's defaults double the wait after every failed getUpdates
// without a cap and stop polling for good after 15 hours of failures, leaving a process that looks alive but hears
// nothing. Here a failed poll is tried again at a fixed interval for as long as the process runs, and the log says
// when polling starts failing, when it recovers, and when it ends for a reason retries cannot fix (a revoked token:
// 401). Another process polling with the same token (409) is retried: it may be the instance a deploy replaces. The
// same calls feed the adapter's /readyz check, and hand each fetched batch to `received` before the runner sees it:
// the runner confirms a batch by fetching the next, before handling it (inbox.ts keeps it until handled).
import { type RunnerHandle, run } from '@grammyjs/runner';
import type { Bot } from 'grammy';
import type { Update } from 'grammy/types';
import type { Logger } from '../../src/log.js';
import { LONG_POLL_S, PollHealth } from './health.js';

/** How long a failed getUpdates waits before the next try, by default. */
export const POLL_RETRY_MS = 5000;
/** Every this many failures in a row, one more log line says polling is still failing. */
const FAILURES_PER_LOG = 60;

/**
 * The updates the bot handles, in both modes; Telegram sends no others. Edited messages replace a request still
 * waiting in the queue (edits.ts); the bot's own membership changes withdraw the jobs of a chat it was removed from
 * (removal.ts).
 */
export const ALLOWED_UPDATES = ['message', 'edited_message', 'callback_query', 'my_chat_member'] as const;

/** The runner's retry options: the same wait every time, and never giving up. */
export function pollRetry(retryMs: number): { retryInterval: number; maxRetryTime: number } {
  return { retryInterval: retryMs, maxRetryTime: Number.POSITIVE_INFINITY };
}

export interface Polling {
  runner: RunnerHandle;
  health: PollHealth;
}

export interface PollOptions {
  retryMs?: number;
  /** By default one with the bot's token, so that the failures it tells hide it. */
  health?: PollHealth;
  /** Each fetched batch, before it is handled (inbox.ts). */
  received?: (updates: Update[]) => void;
}

export function startPolling(bot: Bot, log: Logger, options: PollOptions = {}): Polling {
  const { retryMs = POLL_RETRY_MS, received } = options;
  const health = options.health ?? new PollHealth(undefined, undefined, bot.token);
  watchPolls(bot, log, retryMs, health, received);
  const runner = run(bot, {
    // The runner's own error output goes to the console; watchPolls logs failures through the logger instead.
    runner: {
      fetch: { allowed_updates: ALLOWED_UPDATES, timeout: LONG_POLL_S },
      ...pollRetry(retryMs),
      silent: true,
    },
  });
  void runner.task()?.catch((error: unknown) => {
    health.ended(error);
    log.error(
      { err: error },
      'telegram polling stopped for good: no more updates arrive until the bot is restarted (a revoked token?)',
    );
  });
  return { runner, health };
}

/** Logs the first failed poll of a run of failures (then every FAILURES_PER_LOG-th) and the recovery. */
function watchPolls(
  bot: Bot,
  log: Logger,
  retryMs: number,
  health: PollHealth,
  received?: (updates: Update[]) => void,
): void {
  let failures = 0;
  const failed = (err: unknown) => {
    failures += 1;
    health.failed(err);
    if (failures === 1 || failures % FAILURES_PER_LOG === 0)
      log.warn({ err, failures, retryMs }, 'telegram polling failed; trying again');
  };
  bot.api.config.use(async (prev, method, payload, signal) => {
    if (method !== 'getUpdates') return prev(method, payload, signal);
    health.polling();
    let result: Awaited<ReturnType<typeof prev>>;
    try {
      result = await prev(method, payload, signal);
    } catch (error) {
      // An abort is the runner stopping, not a failure.
      if (signal?.aborted) health.aborted();
      else failed(error);
      throw error;
    }
    if (!result.ok) failed(result);
    else {
      health.answered();
      received?.(result.result as Update[]);
      if (failures > 0) {
        log.info({ failures }, 'telegram polling recovered');
        failures = 0;
      }
    }
    // The runner stops for good on a 409. During a rolling deploy the old and the new instance poll at once and each
    // gets 409s, and both would stop: the bot would hear nothing once the old one is gone. Thrown without its code,
    // the conflict is retried like an outage, and /readyz says so once it lasts (health.ts).
    if (!result.ok && result.error_code === 409)
      throw new Error(`getUpdates conflict (409): ${result.description}`);
    return result;
  });
}
