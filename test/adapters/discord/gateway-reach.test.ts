// How a failure to reach Discord at start is worded for the operator: the cause (DNS, refused, no answer, …) and what
// to check, never a stack trace; what is not about reaching Discord is left to fail the start as it did.
import { DiscordAPIError, HTTPError } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { refusedToken, unreachable } from '../../../adapters/discord/gateway-reach.js';

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
