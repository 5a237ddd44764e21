// Reaching Discord at start-up. A bot started before its network is up (a container ahead of its network, a laptop
// offline, DNS not answering yet, a firewall) must not end the whole process: Telegram and the playground serve
// meanwhile, and discord.com is asked again and again with growing waits, /readyz naming discord until it answers.
// Discord's answer to the token is the one failure no retry fixes (401: reset or mistyped): one line, the start ends.
// The call is the one discord.js's login makes first (GET /gateway/bot), so a token Discord refuses is refused here.
import { DiscordAPIError, HTTPError, type REST, type RESTOptions, Routes } from 'discord.js';
import { StartError } from '../../src/app.js';
import type { Logger } from '../../src/log.js';
import { within } from '../../src/within.js';
import { FIRST_TRY_MS, maxRetryMs, retryUntilAnswered } from '../shared/reach-retries.js';
import { withoutToken } from '../shared/without-token.js';

/**
 * How long each later try may take: a slow link answers within it, a dead connection is given up. Discord's own (a
 * try is one GET; Telegram's may be two calls, health.ts): the longest wait is what is left of the minute.
 */
export const TRY_MS = 20_000;
/** The first wait between two tries; the waits double from it. */
const RETRY_MS = 5000;
/** The longest wait between two tries: with the try's own time, two tries start at most a minute apart. */
export const MAX_RETRY_MS = maxRetryMs(TRY_MS);
/**
 * How long start-up waits for the gateway session once Discord answered: a firewall that blocks websockets only
 * leaves discord.js reconnecting quietly forever, and the other adapters must not wait for it.
 */
const READY_MS = 30_000;

const seconds = (ms: number) => Math.round(ms / 1000);

const DNS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME']);
const TIMEOUT = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
const UNREACHABLE = new Set(['ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'EHOSTDOWN']);
const DROPPED = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
/** TLS failures: a wrong clock, or a proxy that intercepts HTTPS with a certificate Node does not trust. */
const TLS = /^(CERT_|UNABLE_TO_|SELF_SIGNED_|DEPTH_ZERO_|ERR_TLS_|ERR_SSL_|EPROTO$)/;

/** The first string `code` on the error or its causes (undici and fetch wrap the system's error). */
function codeOf(error: unknown): { code?: string; host?: string } {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth += 1) {
    const { code, hostname, address } = current as { code?: unknown; hostname?: unknown; address?: unknown };
    const host = typeof hostname === 'string' ? hostname : typeof address === 'string' ? address : undefined;
    if (typeof code === 'string') return { code, host };
    current = current.cause;
  }
  return {};
}

/**
 * Why Discord could not be reached, with what to check, or undefined when the error is not about reaching it (a bug,
 * or an answer Discord gave). `host` is the API's host (discord.com) when the error does not name one.
 */
export function unreachable(error: unknown, host: string, triedMs?: number): string | undefined {
  if (error instanceof HTTPError && error.status >= 500)
    return `Discord answered ${error.status}: an outage on its side (discordstatus.com); nothing to change here`;
  const between = inBetween(error, host);
  if (between !== undefined) return between;
  if (error instanceof DiscordAPIError || error instanceof HTTPError || !(error instanceof Error))
    return undefined;
  const { code, host: named } = codeOf(error);
  const where = named ?? host;
  if (code && DNS.has(code))
    return `DNS cannot resolve ${where} (${code}): check that this machine (or container) has a network and a working DNS server`;
  if (code === 'ECONNREFUSED')
    return `connection to ${where} refused (${code}): check that no firewall blocks this machine from Discord`;
  if ((code && TIMEOUT.has(code)) || error.name === 'AbortError' || error.name === 'TimeoutError') {
    const within = triedMs === undefined ? '' : ` within ${seconds(triedMs)} s`;
    return `no answer from ${where}${within}${code ? ` (${code})` : ''}: check the network and any firewall that drops traffic to Discord`;
  }
  if (code && UNREACHABLE.has(code))
    return `network unreachable (${code}): check that this machine (or container) has a network route out`;
  if (code && DROPPED.has(code))
    return `connection to ${where} dropped (${code}): check the network and any proxy or firewall in between`;
  if (code && TLS.test(code))
    return `TLS with ${where} failed (${code}): check this machine's clock, and any proxy that intercepts HTTPS`;
  return undefined;
}

/**
 * An answer that is not Discord's own but something's in between (a proxy, a captive portal, a rate-limiting
 * firewall): 407, 408, 429, or a 403 without Discord's JSON error code (an HTML page).
 */
function inBetween(error: unknown, host: string): string | undefined {
  if (!(error instanceof DiscordAPIError || error instanceof HTTPError)) return undefined;
  const { status } = error;
  if (status === 407)
    return `a proxy between this machine and ${host} asks for credentials (407): check the proxy settings`;
  if (status === 408 || status === 429)
    return `${host} or a proxy in between answered ${status}: too busy or too slow for now`;
  const discords = error instanceof DiscordAPIError && typeof error.code === 'number';
  if (status === 403 && !discords)
    return `something between this machine and ${host} refused the request (403, not Discord's answer): check any proxy or firewall in between`;
  return undefined;
}

type MakeRequest = RESTOptions['makeRequest'];

/**
 * The login's first question (where the gateway is) given up when the bot stops: discord.js's login cannot be told to
 * stop, and one whose answer came after the client was destroyed would open a gateway session nothing closes.
 */
export function untilStopped(make: MakeRequest, stopped: AbortSignal): MakeRequest {
  return (url, init) => {
    if (!new URL(url).pathname.endsWith('/gateway/bot')) return make(url, init);
    return make(url, { ...init, signal: init.signal ? AbortSignal.any([init.signal, stopped]) : stopped });
  };
}

/** Discord refused the token itself: the operator's one line (never the token), or undefined. */
export function refusedToken(error: unknown): string | undefined {
  const status = error instanceof DiscordAPIError || error instanceof HTTPError ? error.status : undefined;
  if (status !== 401) return undefined;
  return 'Discord refused DISCORD_TOKEN (401 Unauthorized): it was reset or mistyped; copy the bot’s token again from the Developer Portal (your application → Bot → Reset Token)';
}

export interface ReachTimes {
  /** How long start-up waits for Discord's first answer. */
  firstTryMs?: number;
  /** The first wait between two tries. */
  retryMs?: number;
  /** How long start-up waits for the login once Discord answered. */
  readyMs?: number;
}

/**
 * Asks Discord the login's first question until it answers, then logs in; a login that could not reach Discord (a
 * dropped connection, a proxy's answer) is tried again the same way. `try` throws a StartError for a refused token
 * and rethrows what is neither that nor a failure to reach Discord; `reason()` is the /readyz line meanwhile.
 */
export class DiscordReach {
  #problem?: string;
  /** Why the login failed once Discord answered, after a start that went on without it: no retry fixes that. */
  #failed?: string;
  /** Discord answered after the start went on without it, and the login it put off has not finished yet. */
  #loggingIn = false;
  /** The gateway Discord named, while the login outlasted its bound at start: the session is not up yet. */
  #gatewayWaited?: string;
  #gateway?: string;

  constructor(
    private readonly rest: REST,
    /** Set again before each try: a failed discord.js login clears the token of the REST it shares with us. */
    private readonly token: string,
    private readonly host: string,
    /** Aborts when the bot stops: no more tries. */
    private readonly stopped: AbortSignal,
  ) {}

  /** Why the last try failed, with what to check, or undefined. */
  get problem(): string | undefined {
    return this.#problem;
  }

  reason(): string | undefined {
    if (this.#failed !== undefined)
      return `could not start (${this.#failed}); restart the bot once that is fixed`;
    if (this.#gatewayWaited !== undefined)
      return `Discord answered but its gateway (${this.#gatewayWaited}) has not let the bot in yet; still trying`;
    if (this.#loggingIn) return 'Discord answered; logging in';
    return this.#problem && `cannot reach Discord yet (last: ${this.#problem}); still trying`;
  }

  /**
   * Runs `login` once Discord answers: at once when it answers within `firstTryMs`; otherwise after one warning line
   * it is tried in the background (the start goes on without Discord) and `reason()` names the failure meanwhile.
   * A login that outlasts `readyMs` goes on in the background after one warning line naming the gateway.
   * A refused token throws a StartError; what is neither that nor a failure to reach Discord is thrown as it was.
   */
  async connect(login: () => Promise<void>, log: Logger, times: ReachTimes = {}): Promise<void> {
    const { firstTryMs = FIRST_TRY_MS, retryMs = RETRY_MS, readyMs = READY_MS } = times;
    if (!(await this.try(firstTryMs))) {
      if (this.stopped.aborted) return;
      this.warnUnreachable(log, retryMs);
      this.background(this.keepTrying(login, retryMs), log);
      return;
    }
    const loggedIn = this.logIn(login);
    const first = await within<boolean | 'late'>(loggedIn, readyMs, 'late');
    if (first === true || this.stopped.aborted) return;
    if (first === false) {
      this.warnUnreachable(log, retryMs);
      this.background(this.keepTrying(login, retryMs), log);
      return;
    }
    this.#gatewayWaited = this.#gateway ?? 'the gateway Discord named';
    log.warn(
      { gateway: this.#gatewayWaited, waitedS: seconds(readyMs) },
      `Discord answered but its gateway (${this.#gatewayWaited}) did not let the bot in within ${seconds(readyMs)} s: check that no firewall or proxy blocks websockets to it; the bot keeps trying and serves the other adapters meanwhile; /readyz names discord until it is in`,
    );
    this.background(
      loggedIn.then((done) => {
        this.#gatewayWaited = undefined;
        return done || this.keepTrying(login, retryMs);
      }),
      log,
    );
  }

  private warnUnreachable(log: Logger, retryMs: number): void {
    log.warn(
      { retryS: retryMs / 1000 },
      `Discord cannot be reached yet (${this.#problem}); the bot keeps trying (${retryMs / 1000} s apart at first, then longer, up to a minute) and serves the other adapters meanwhile; /readyz names discord until it answers`,
    );
  }

  /** Where a login of the background ends: done, stopped, or failed for good (said once, named by `reason()`). */
  private background(run: Promise<boolean>, log: Logger): void {
    run
      .catch((error: unknown) => {
        // A stop during the login makes it fail: that is no fault.
        if (this.stopped.aborted) return;
        this.#problem = undefined;
        this.#gatewayWaited = undefined;
        if (error instanceof StartError) {
          this.#failed = error.message;
          log.error(`${error.message}; Discord stays unheard until the bot is restarted`);
          return;
        }
        // Shown on /readyz, which no log scrubbing covers: whatever a library wrote, never the token.
        this.#failed = withoutToken(error instanceof Error ? error.message : String(error), this.token, '.');
        log.error({ err: error }, 'discord could not start once Discord answered; restart the bot');
      })
      .catch(() => undefined);
  }

  /**
   * One login: true once done, false when it could not reach Discord (the problem noted) or the bot stopped.
   * A refused token throws a StartError; anything else is thrown as it was.
   */
  private async logIn(login: () => Promise<void>): Promise<boolean> {
    this.#loggingIn = true;
    try {
      await login();
      this.#problem = undefined;
      return !this.stopped.aborted;
    } catch (error) {
      return this.failedTry(error);
    } finally {
      this.#loggingIn = false;
    }
  }

  /** One try within `ms`: true once Discord answered, false when it could not be reached or the bot stopped. */
  async try(ms: number): Promise<boolean> {
    const timeout = AbortSignal.timeout(ms);
    try {
      this.rest.setToken(this.token);
      const answer = (await this.rest.get(Routes.gatewayBot(), {
        signal: AbortSignal.any([this.stopped, timeout]),
      })) as { url?: unknown } | undefined;
      if (typeof answer?.url === 'string') this.#gateway = answer.url;
      this.#problem = undefined;
      return true;
    } catch (error) {
      return this.failedTry(error, timeout.aborted ? ms : undefined);
    }
  }

  /**
   * Where a failed try or login ends: false once the bot stopped, whatever the error (a refusal that lands during a
   * stop ends no start and is no operator's line: the stop was asked for, and the shutdown goes on as one), or when
   * Discord could not be reached (the problem noted). A refused token throws a StartError; anything else, as it was.
   */
  private failedTry(error: unknown, triedMs?: number): false {
    if (this.stopped.aborted) return false;
    const refused = refusedToken(error);
    if (refused !== undefined) throw new StartError(refused, { cause: error });
    const problem = unreachable(error, this.host, triedMs);
    if (problem === undefined) throw error;
    this.#problem = problem;
    return false;
  }

  /**
   * Tries until Discord answers and the login is done (true), waiting `retryMs`, then twice as long each time up to
   * MAX_RETRY_MS; false once the bot stopped.
   */
  async keepTrying(login: () => Promise<void>, retryMs: number): Promise<boolean> {
    const loggedIn = async () => ((await this.try(TRY_MS)) && (await this.logIn(login))) || undefined;
    const times = { firstWaitMs: retryMs, tryMs: TRY_MS, stopped: this.stopped };
    return (await retryUntilAnswered(loggedIn, times)) ?? false;
  }
}
