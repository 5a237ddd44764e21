// Whether the bot still hears Telegram, for the operators' /readyz (services.health). A bot that hears nothing looks
// alive from outside: long polling may fail for good (401 a revoked token, 409 another instance polling or a webhook
// set elsewhere), fail on every try through an outage, or hang on a dead connection; a webhook may be replaced by
// another instance (one Telegram cannot reach is logged, not made unready). Before any of that, start-up may not reach
// Telegram at all (TelegramReach). Reasons name the failure, never the token.
import { type Api, GrammyError, HttpError } from 'grammy';
import { StartError } from '../../src/app.js';
import { maxRetryMs, retryUntilAnswered } from '../shared/reach-retries.js';
import { withoutTelegramTokens } from '../shared/without-token.js';

/**
 * How long polling may fail before /readyz says so. Telegram's own hiccups (a 502 or a timeout during its
 * maintenance) clear within tens of seconds and cost a user a short delay, not a lost command (updates wait on
 * Telegram's side); a minute of failures, twelve retries at 5 s, is an outage worth an alert or a restart.
 */
export const UNHEALTHY_AFTER_MS = 60_000;
/** How long one getUpdates may wait for updates (Telegram answers within it, with or without any). */
export const LONG_POLL_S = 30;
/** How often webhook mode asks Telegram whether the webhook is still this bot's and reachable. */
export const WEBHOOK_CHECK_MS = 60_000;

/**
 * A failure as a short line: Telegram's code and description, or the kind of network error; never the token (`token`:
 * this bot's, where the caller has it).
 */
export function describeFailure(error: unknown, token?: string): string {
  let text: string;
  if (error instanceof GrammyError) text = `${error.error_code} ${error.description}`;
  else if (error instanceof HttpError) {
    const code = (error.error as { code?: unknown } | undefined)?.code;
    text = typeof code === 'string' && /^[A-Z_]+$/.test(code) ? `network error (${code})` : 'network error';
  } else if (isApiFailure(error)) text = `${error.error_code} ${error.description}`;
  else text = error instanceof Error ? error.message : String(error);
  // A bot token may hide in any message an underlying library wrote.
  return withoutTelegramTokens(text, token);
}

function isApiFailure(value: unknown): value is { error_code: number; description: string } {
  const v = value as { ok?: unknown; error_code?: unknown; description?: unknown } | undefined;
  return v?.ok === false && typeof v.error_code === 'number' && typeof v.description === 'string';
}

const seconds = (ms: number) => Math.round(ms / 1000);

/**
 * Long polling's state as its getUpdates calls report it. Time is counted from the last answer, the last moment the
 * bot is known to have heard Telegram: a failing poll may have spent a while in grammY's own retries (auto-retry
 * waits out 5xx answers) before it reports.
 */
export class PollHealth {
  private lastAnswerAt: number;
  private lastFailure?: string;
  private inFlight = false;
  private endedFor?: string;

  constructor(
    private readonly unhealthyAfterMs = UNHEALTHY_AFTER_MS,
    private readonly now: () => number = Date.now,
    /** The bot's token, hidden from the failures it tells. */
    private readonly token?: string,
  ) {
    this.lastAnswerAt = now();
  }

  polling(): void {
    this.inFlight = true;
  }

  answered(): void {
    this.inFlight = false;
    this.lastAnswerAt = this.now();
    this.lastFailure = undefined;
  }

  failed(error: unknown): void {
    this.inFlight = false;
    this.lastFailure = describeFailure(error, this.token);
  }

  /** The runner stopped the poll (shutdown): neither an answer nor a failure. */
  aborted(): void {
    this.inFlight = false;
  }

  /** Polling stopped and will not resume in this process. */
  ended(error: unknown): void {
    this.endedFor = describeFailure(error, this.token);
  }

  /** Why polling does not hear Telegram now, or undefined while it does. */
  reason(): string | undefined {
    if (this.endedFor !== undefined)
      return `long polling stopped for good (last: ${this.endedFor}); restart the bot once that is fixed`;
    const silent = this.now() - this.lastAnswerAt;
    if (this.lastFailure !== undefined && silent > this.unhealthyAfterMs)
      return `long polling failing for ${seconds(silent)} s (last: ${this.lastFailure})`;
    // Telegram answers a long poll within its timeout; one open far longer hangs on a connection that is gone.
    if (this.inFlight && silent > LONG_POLL_S * 1000 + this.unhealthyAfterMs)
      return `getUpdates unanswered for ${seconds(silent)} s`;
    return undefined;
  }
}

export interface WebhookWatch {
  reason(): string | undefined;
  stop(): void;
}

/**
 * Webhook mode: unhealthy while the server does not listen, or once Telegram names another URL (another instance set
 * its own webhook, or deleted ours to poll: no error ever reaches this process). Telegram failing to post here is
 * only reported (`onDeliveryError`, once per failure Telegram records), never made a readiness failure: where /readyz
 * gates the ingress Telegram posts through, a 503 would take the webhook out and keep its posts failing for good.
 * A failed check is no evidence either way: the last answer stands.
 */
export function watchWebhook(
  api: Api,
  url: string,
  listening: () => boolean,
  intervalMs = WEBHOOK_CHECK_MS,
  onDeliveryError: (line: string) => void = () => undefined,
): WebhookWatch {
  let problem: string | undefined;
  let reportedErrorDate: number | undefined;
  const check = async () => {
    const info = await api.getWebhookInfo().catch(() => undefined);
    if (!info) return;
    // The other URL is not named: its path may be a secret of whoever set it.
    if (info.url !== url)
      problem = info.url ? 'webhook replaced: Telegram posts updates to another URL' : 'webhook deleted';
    else problem = undefined;
    if (
      info.url === url &&
      info.last_error_date !== undefined &&
      info.last_error_date !== reportedErrorDate
    ) {
      const first = reportedErrorDate === undefined;
      reportedErrorDate = info.last_error_date;
      // An error from before this process started is old news, unless updates are still waiting on it.
      if (!first || info.pending_update_count > 0)
        onDeliveryError(
          `Telegram could not post to the webhook (last error: ${describeFailure(info.last_error_message ?? 'unknown', api.token)}; updates waiting: ${info.pending_update_count})`,
        );
    }
  };
  const timer = setInterval(() => void check(), intervalMs);
  timer.unref();
  return {
    reason: () => (listening() ? problem : 'webhook server not listening'),
    stop: () => clearInterval(timer),
  };
}

/**
 * How long each later try may take: a slow link answers within it, a dead connection is given up. Telegram's own:
 * grammY sets no bound of its own under minutes, and a try in polling mode is two calls (getMe, deleteWebhook).
 */
export const TRY_MS = 30_000;
/** The longest wait between two tries (the waits double from the poll retry interval): tries at most a minute apart. */
export const MAX_RETRY_MS = maxRetryMs(TRY_MS);

/**
 * The one failure no retry fixes: Telegram does not know the token (401: revoked or mistyped; 404: not a bot token).
 * Said as one line for the operator, never the token itself.
 */
export function refusedToken(error: unknown, token: string): string | undefined {
  if (!(error instanceof GrammyError) || (error.error_code !== 401 && error.error_code !== 404))
    return undefined;
  return `Telegram refused TELEGRAM_TOKEN (${describeFailure(error, token)}): it was revoked or mistyped; set the token @BotFather shows for the bot (/token)`;
}

/**
 * Reaching Telegram at start-up, by a call that needs it (getMe; in webhook mode then setWebhook): tried once briefly,
 * then (while it cannot be reached: no network, DNS, a firewall, an outage, or Telegram refuses the call for now)
 * again and again with growing waits, for as long as the process runs. A refused token ends it at once. `reason()`
 * says why it has not answered yet, for /readyz, after `waiting` (what is not done yet).
 */
export class TelegramReach<T> {
  #problem?: string;
  #refused?: string;

  constructor(
    private readonly call: (signal: AbortSignal) => Promise<T>,
    /** Aborts when the bot stops: no more tries. */
    private readonly stopped: AbortSignal,
    /** The bot's token, hidden from the failures it tells. */
    private readonly token: string,
    private readonly waiting = 'cannot reach Telegram yet',
  ) {}

  reason(): string | undefined {
    if (this.#refused !== undefined) return `${this.#refused}; restart the bot once that is fixed`;
    return this.#problem && `${this.waiting} (last: ${this.#problem}); still trying`;
  }

  /** Why the last try failed (a network error, no answer in time), or undefined. */
  get problem(): string | undefined {
    return this.#problem;
  }

  /**
   * One try within `ms`: the answer, or undefined when Telegram could not be reached (why: `problem`) or the bot
   * stopped, whatever the error. A refused token throws a StartError with the operator's line.
   */
  async try(ms: number): Promise<T | undefined> {
    const timeout = AbortSignal.timeout(ms);
    try {
      const answer = await this.call(AbortSignal.any([this.stopped, timeout]));
      this.#problem = undefined;
      return answer;
    } catch (error) {
      // First: a refusal that lands during a stop is no failed start (no StartError's line, no exit 1 in a shutdown).
      if (this.stopped.aborted) return undefined;
      const refused = refusedToken(error, this.token);
      if (refused !== undefined) {
        this.#refused = refused;
        throw new StartError(refused, { cause: error });
      }
      this.#problem = timeout.aborted
        ? `no answer within ${seconds(ms)} s`
        : describeFailure(error, this.token);
      return undefined;
    }
  }

  /**
   * Tries until Telegram answers, waiting `retryMs` before the first, then twice as long each time up to
   * MAX_RETRY_MS: the answer, or undefined once the bot stops. A refused token throws, as `try` does.
   */
  keepTrying(retryMs: number): Promise<T | undefined> {
    const times = { firstWaitMs: retryMs, tryMs: TRY_MS, stopped: this.stopped };
    return retryUntilAnswered(() => this.try(TRY_MS), times);
  }
}
