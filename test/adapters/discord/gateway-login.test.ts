// The login once Discord answered (gateway-login.ts), as DiscordReach tries it again after a failure to reach Discord:
// each failed try must leave nothing behind on the client or the bot's stop signal, or a long outage ends in Node's
// "possible memory leak" warnings in the operator's log.
import { EventEmitter, getEventListeners } from 'node:events';
import type { Client } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { type LoginParts, logIn } from '../../../adapters/discord/gateway-login.js';
import { createLogger } from '../../../src/log.js';

/** A client double whose login cannot reach Discord (a dropped connection), as often as it is tried. */
function unreachableClientDouble() {
  const double = Object.assign(new EventEmitter(), {
    readyAt: null,
    logins: 0,
    login: async () => {
      double.logins += 1;
      throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    },
  });
  return double;
}

describe('logIn', () => {
  it('a login tried again and again leaves no listener on the client or the stop signal', async () => {
    const client = unreachableClientDouble();
    const stop = new AbortController();
    const parts = {
      client: client as unknown as Client,
      log: createLogger({ level: 'silent', pretty: false }),
      open: () => undefined,
      stopped: stop.signal,
    } as LoginParts;
    for (let tries = 0; tries < 12; tries += 1)
      await expect(logIn('token', parts)).rejects.toThrow('read ECONNRESET');
    expect(client.logins).toBe(12);
    expect(client.listenerCount('clientReady')).toBe(0);
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
  });

  it('a bot already stopped does not log in', async () => {
    const client = unreachableClientDouble();
    const stop = new AbortController();
    stop.abort();
    const parts = {
      client: client as unknown as Client,
      log: createLogger({ level: 'silent', pretty: false }),
      open: () => undefined,
      stopped: stop.signal,
    } as LoginParts;
    await logIn('token', parts);
    expect(client.logins).toBe(0);
  });
});
