// How a failure to reach Discord at start is worded for the operator: the cause (DNS, refused, no answer, …) and what
// to check, never a stack trace; what is not about reaching Discord is left to fail the start as it did.
import { DiscordAPIError, HTTPError, type REST } from 'discord.js';
import { describe, expect, it } from 'vitest';
import {
  DiscordReach,
  MAX_RETRY_MS,
  refusedToken,
  TRY_MS,
  unreachable,
} from '../../../adapters/discord/gateway-reach.js';
import { createLogger } from '../../../src/log.js';

/** A system error as Node's dns and net report it. */
function systemError(code: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { code, ...extra });
}

const request = { body: undefined, files: undefined };

describe('unreachable', () => {
  it.each([
    [
      systemError('ENOTFOUND', 'getaddrinfo ENOTFOUND discord.com', { hostname: 'discord.com' }),
      /^DNS cannot resolve discord\.com \(ENOTFOUND\): check that this machine .* DNS server$/,
    ],
    [
      systemError('EAI_AGAIN', 'getaddrinfo EAI_AGAIN discord.com', { hostname: 'discord.com' }),
      /^DNS cannot resolve discord\.com \(EAI_AGAIN\)/,
    ],
    [
      systemError('ECONNREFUSED', 'connect ECONNREFUSED 162.159.135.232:443', { address: '162.159.135.232' }),
      /^connection to 162\.159\.135\.232 refused \(ECONNREFUSED\): check that no firewall/,
    ],
    [
      systemError('ETIMEDOUT', 'connect ETIMEDOUT'),
      /^no answer from discord\.com \(ETIMEDOUT\): check the network/,
    ],
    [
      new TypeError('fetch failed', {
        cause: systemError('UND_ERR_CONNECT_TIMEOUT', 'Connect Timeout Error'),
      }),
      /^no answer from discord\.com \(UND_ERR_CONNECT_TIMEOUT\)/,
    ],
    [
      systemError('ENETUNREACH', 'connect ENETUNREACH'),
      /^network unreachable \(ENETUNREACH\): check .* network route out$/,
    ],
    [
      systemError('CERT_HAS_EXPIRED', 'certificate has expired'),
      /^TLS with discord\.com failed \(CERT_HAS_EXPIRED\): check this machine's clock/,
    ],
    [
      new HTTPError(502, 'Bad Gateway', 'GET', 'https://discord.com/api/v10/gateway/bot', request),
      /^Discord answered 502: an outage on its side/,
    ],
  ])('%s: %s', (error, said) => {
    expect(unreachable(error, 'discord.com')).toMatch(said);
  });

  it('a try that ran out of time says how long it waited', () => {
    const aborted = Object.assign(new Error('This operation was aborted'), { name: 'AbortError' });
    expect(unreachable(aborted, 'discord.com', 5000)).toBe(
      'no answer from discord.com within 5 s: check the network and any firewall that drops traffic to Discord',
    );
  });

  it('an answer of Discord’s, or a bug, is not a failure to reach it', () => {
    const forbidden = new DiscordAPIError(
      { code: 50001, message: 'Missing Access' },
      50001,
      403,
      'GET',
      'https://discord.com/api/v10/gateway/bot',
      request,
    );
    expect(unreachable(forbidden, 'discord.com')).toBeUndefined();
    expect(
      unreachable(new TypeError("Cannot read properties of undefined (reading 'url')"), 'discord.com'),
    ).toBeUndefined();
  });
});

describe('refusedToken', () => {
  it('names DISCORD_TOKEN for a 401 only, never the token', () => {
    const unauthorized = new DiscordAPIError(
      { code: 0, message: '401: Unauthorized' },
      0,
      401,
      'GET',
      'https://discord.com/api/v10/gateway/bot',
      request,
    );
    expect(refusedToken(unauthorized)).toMatch(/^Discord refused DISCORD_TOKEN \(401 Unauthorized\)/);
    expect(refusedToken(systemError('ENOTFOUND', 'getaddrinfo ENOTFOUND discord.com'))).toBeUndefined();
  });
});

/** Discord's error for a 4xx, as @discordjs/rest makes it: a JSON body's code, or a page's bytes and no code. */
function answered(status: number, body: 'discord' | 'page'): DiscordAPIError {
  const raw = body === 'discord' ? { code: 50001, message: 'Missing Access' } : new ArrayBuffer(16);
  const code = body === 'discord' ? 50001 : undefined;
  // A page's answer has no code: @discordjs/rest passes `data.error` of the bytes (undefined) on as the code.
  return new DiscordAPIError(
    raw as never,
    code as never,
    status,
    'GET',
    'https://discord.com/api/v10/gateway/bot',
    request,
  );
}

describe('an answer from something in between', () => {
  it.each([
    [answered(407, 'page'), /^a proxy between this machine and discord\.com asks for credentials \(407\)/],
    [answered(408, 'page'), /^discord\.com or a proxy in between answered 408/],
    [answered(429, 'discord'), /^discord\.com or a proxy in between answered 429/],
    [
      answered(403, 'page'),
      /^something between this machine and discord\.com refused the request \(403, not Discord's answer\)/,
    ],
  ])('%s is a failure to reach Discord: %s', (error, said) => {
    expect(unreachable(error, 'discord.com')).toMatch(said);
  });

  it('Discord’s own 403 (its JSON code) is still its answer', () => {
    expect(unreachable(answered(403, 'discord'), 'discord.com')).toBeUndefined();
  });
});

/** A REST double that answers /gateway/bot at once, or as `answer` says. */
function restDouble(answer: () => Promise<unknown> = async () => ({ url: 'wss://gateway.test' })): REST {
  const double = { setToken: () => double, get: answer };
  return double as unknown as REST;
}

/** Discord's answer to a token it does not know. */
const unauthorized = () =>
  new DiscordAPIError(
    { code: 0, message: '401: Unauthorized' },
    0,
    401,
    'GET',
    'https://discord.com/api/v10/gateway/bot',
    request,
  );

function capturedLog() {
  const lines: string[] = [];
  const log = createLogger({ level: 'info', pretty: false, destination: { write: (l) => lines.push(l) } });
  return { lines, log };
}

describe('DiscordReach', () => {
  it('a login whose connection dropped after Discord answered is tried again, not given up', async () => {
    const { lines, log } = capturedLog();
    const stop = new AbortController();
    const reach = new DiscordReach(restDouble(), 'token', 'discord.com', stop.signal);
    let logins = 0;
    const login = async () => {
      logins += 1;
      if (logins === 1)
        throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', syscall: 'read' });
    };
    await reach.connect(login, log, { firstTryMs: 1000, retryMs: 10, readyMs: 1000 });
    expect(reach.reason()).toBe(
      'cannot reach Discord yet (last: connection to discord.com dropped (ECONNRESET): check the network and any proxy or firewall in between); still trying',
    );
    await expect.poll(() => logins, { timeout: 2000, interval: 5 }).toBe(2);
    await expect.poll(() => reach.reason(), { timeout: 2000, interval: 5 }).toBeUndefined();
    expect(lines.filter((l) => l.includes('"level":50'))).toEqual([]);
    stop.abort();
  });

  it('two tries start at most a minute apart, as the log line and README say (the longest wait plus a try)', () => {
    expect(MAX_RETRY_MS + TRY_MS).toBeLessThanOrEqual(60_000);
  });

  // The stop is what the operator asked for: a refusal that lands meanwhile must not turn the shutdown into a failed
  // start (the StartError's line, exit 1). Both paths that meet Discord's answer are held to the same order.
  it('a stop during a refused try reads as stopped, not as a refused token', async () => {
    const stop = new AbortController();
    const reach = new DiscordReach(
      restDouble(async () => {
        stop.abort();
        throw unauthorized();
      }),
      'token',
      'discord.com',
      stop.signal,
    );
    await expect(reach.try(1000)).resolves.toBe(false);
    expect(reach.reason()).toBeUndefined();
  });

  it('a stop during a refused login reads as stopped, not as a refused token', async () => {
    const { lines, log } = capturedLog();
    const stop = new AbortController();
    const reach = new DiscordReach(restDouble(), 'token', 'discord.com', stop.signal);
    const login = async () => {
      stop.abort();
      throw unauthorized();
    };
    await expect(reach.connect(login, log, { firstTryMs: 1000, readyMs: 1000 })).resolves.toBeUndefined();
    expect(reach.reason()).toBeUndefined();
    expect(lines).toEqual([]);
  });

  it('a refused token without a stop still ends the start, from the try and from the login', async () => {
    const stop = new AbortController();
    const refusing = new DiscordReach(
      restDouble(async () => Promise.reject(unauthorized())),
      'token',
      'discord.com',
      stop.signal,
    );
    await expect(refusing.try(1000)).rejects.toThrow(/^Discord refused DISCORD_TOKEN/);
    const answering = new DiscordReach(restDouble(), 'token', 'discord.com', stop.signal);
    const login = () => Promise.reject(unauthorized());
    await expect(answering.connect(login, capturedLog().log, { firstTryMs: 1000 })).rejects.toThrow(
      /^Discord refused DISCORD_TOKEN/,
    );
  });

  const TOKEN = 'MTAxMjM0NTY3ODkwMTIzNDU2.Gabcde.secret-part-of-the-token';

  /** What /readyz says once a login failing with `error` ran in the background (Discord unreachable at first). */
  async function readyzAfterFailedLogin(error: Error): Promise<string | undefined> {
    const stop = new AbortController();
    let answers = 0;
    const rest = restDouble(async () => {
      answers += 1;
      if (answers === 1) throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
      return { url: 'wss://gateway.test' };
    });
    const reach = new DiscordReach(rest, TOKEN, 'discord.com', stop.signal);
    try {
      await reach.connect(() => Promise.reject(error), capturedLog().log, { firstTryMs: 1000, retryMs: 10 });
      await expect.poll(() => reach.reason(), { timeout: 2000, interval: 5 }).toMatch(/^could not start/);
      return reach.reason();
    } finally {
      stop.abort();
    }
  }

  it('/readyz never shows the token, whatever a failed login’s error says', async () => {
    expect(await readyzAfterFailedLogin(new TypeError(`a library's message quoting "Bot ${TOKEN}"`))).toBe(
      'could not start (a library\'s message quoting "Bot <token>"); restart the bot once that is fixed',
    );
  });

  it('/readyz never shows the secret part of the token alone, nor a message cut off inside the token', async () => {
    const cut = new TypeError(
      `signature secret-part-of-the-token refused; header "Bot ${TOKEN.slice(0, 30)}`,
    );
    expect(await readyzAfterFailedLogin(cut)).toBe(
      'could not start (signature <token> refused; header "Bot <token>); restart the bot once that is fixed',
    );
  });
});
