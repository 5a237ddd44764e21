// The login once Discord answered (gateway-login.ts), as DiscordReach tries it again after a failure to reach Discord:
// each failed try must leave nothing behind on the client or the bot's stop signal, or a long outage ends in Node's
// "possible memory leak" warnings in the operator's log.
import { EventEmitter, getEventListeners } from 'node:events';
import { Client, WebSocketShard } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { DiscordBot, type DiscordOptions } from '../../../adapters/discord/bot.js';
import { endGatewayRetries, type LoginParts, logIn } from '../../../adapters/discord/gateway-login.js';
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

/** What logIn needs of the bot, for the client double (no config or commands: it never gets as far). */
function loginParts(client: ReturnType<typeof unreachableClientDouble>, stopped: AbortSignal): LoginParts {
  return {
    client: client as unknown as Client,
    log: createLogger({ level: 'silent', pretty: false }),
    open: () => undefined,
    stopped,
  } as LoginParts;
}

describe('logIn', () => {
  it('a login tried again and again leaves no listener on the client or the stop signal', async () => {
    const client = unreachableClientDouble();
    const stop = new AbortController();
    const parts = loginParts(client, stop.signal);
    for (let tries = 0; tries < 12; tries += 1)
      await expect(logIn('token', parts)).rejects.toThrow('read ECONNRESET');
    expect(client.logins).toBe(12);
    expect(client.listenerCount('clientReady')).toBe(0);
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
  });

  it('a bot already stopped does not log in', async () => {
    const client = unreachableClientDouble();
    await logIn('token', loginParts(client, AbortSignal.abort()));
    expect(client.logins).toBe(0);
  });
});

describe('endGatewayRetries', () => {
  it("gives each shard of this discord.js a session that never answers, which the gateway's retry asks first", async () => {
    const client = new Client({ intents: [] });
    try {
      // A shard as discord.js makes one at login (its constructor is typed private).
      const shard: WebSocketShard = Reflect.construct(WebSocketShard, [client.ws, 0]);
      client.ws.shards.set(0, shard);
      expect(endGatewayRetries(client)).toBe(true);
      // What @discordjs/ws's retrieveSessionInfo reads (discord.js's WebSocketManager hands it this field).
      const session: unknown = Reflect.get(client.ws.shards.get(0) ?? {}, 'sessionInfo');
      expect(session).toBeInstanceOf(Promise);
      const settled = await Promise.race([
        session,
        new Promise((resolve) => setImmediate(resolve, 'pending')),
      ]);
      expect(settled).toBe('pending');
    } finally {
      await client.destroy();
    }
  });

  it('a discord.js that keeps the session elsewhere changes nothing and throws nothing: it says false', () => {
    expect(() => endGatewayRetries({} as unknown as Client)).not.toThrow();
    const renamed = { ws: { shards: new Map([[0, { session: null }]]) } };
    expect(endGatewayRetries(renamed as unknown as Client)).toBe(false);
    expect(renamed.ws.shards.get(0)).toEqual({ session: null });
    expect(endGatewayRetries({ ws: { shardList: [] } } as unknown as Client)).toBe(false);
    expect(endGatewayRetries({} as unknown as Client)).toBe(false);
    const locked = {
      ws: {
        shards: new Map([
          [
            0,
            {
              get sessionInfo() {
                return null;
              },
              set sessionInfo(_: unknown) {
                throw new TypeError('read-only');
              },
            },
          ],
        ]),
      },
    };
    expect(endGatewayRetries(locked as unknown as Client)).toBe(false);
  });

  it('a bot whose discord.js keeps the session elsewhere warns once as it stops, and stops', async () => {
    const lines: string[] = [];
    const log = createLogger({
      level: 'warn',
      pretty: false,
      destination: { write: (l: string) => void lines.push(l) },
    });
    // stop() reads none of the config, commands or deliveries: only the log, and what the constructor needs.
    const bot = new DiscordBot({
      config: { discord: { notifyAfterMs: 60_000 } },
      log,
    } as unknown as DiscordOptions);
    // A shard without the field, as a later discord.js may make it.
    bot.client.ws.shards.set(0, {} as WebSocketShard);
    await bot.stop();
    const warned = lines.filter((l) => l.includes("keeps the gateway's session elsewhere"));
    expect(warned).toHaveLength(1);
  });
});
