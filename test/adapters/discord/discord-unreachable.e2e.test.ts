// Starting with Discord out of reach (its API's port closed: connection refused, as with no network) goes on
// without it: one warning line without a stack trace names the cause and what to check, /readyz names discord, the
// other adapters start, and the bot logs in once Discord answers. A token Discord refuses (401) still ends the start
// at once in one line, without trying again and without the token.
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startDiscord } from '../../../adapters/discord/index.js';
import { startApp, startFailure } from '../../../src/app.js';
import { buildCommands } from '../../../src/app-services.js';
import { createLogger } from '../../../src/log.js';
import type { Services } from '../../../src/services.js';
import { type FakeDiscord, startFakeDiscord } from '../../doubles/fake-discord/index.js';
import { watchUnhandledRejections } from '../../doubles/shared/unhandled.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { freePort } from '../../ports.js';
import { openDoubleServices } from '../e2e-services.js';

const STACK_LINE = /\bat .*\.[jt]s:\d+/;

/** A port that refuses connections until `open()`, then relays each one to the fake. */
async function relayTo(fake: FakeDiscord) {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const target = Number(new URL(fake.baseUrl).port);
  return {
    api: `http://127.0.0.1:${port}/api`,
    open: () =>
      new Promise<void>((resolve) => {
        server = createServer((socket) => {
          const upstream = tcpConnect(target, '127.0.0.1');
          for (const s of [socket, upstream]) sockets.add(s);
          socket.pipe(upstream).pipe(socket);
          socket.on('error', () => upstream.destroy());
          upstream.on('error', () => socket.destroy());
        });
        server.listen(port, '127.0.0.1', () => resolve());
      }),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    },
  };
}

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function prepare(name: string, firstTryMs = 2000, readyMs = 20_000) {
  const fake = await startFakeDiscord();
  cleanup.push(() => fake.stop());
  const opened = openDoubleServices(name, { DISCORD_TOKEN: fake.token }, new TimedEngineDouble(40, 6));
  const services: Services = opened.services;
  cleanup.push(() => services.close());
  const lines: string[] = [];
  const log = createLogger({ level: 'info', pretty: false, destination: { write: (l) => lines.push(l) } });
  const { config } = opened;
  const commands = buildCommands({ config, log }, services);
  const start = (api: string) => () =>
    startDiscord({ config, log }, services, commands, {
      rest: { api, cdn: fake.baseUrl },
      cdnHosts: fake.cdnHosts,
      reach: { firstTryMs, retryMs: 100, readyMs },
    });
  return { fake, services, config, log, lines, start };
}

const parsed = (lines: string[]) => lines.map((l) => JSON.parse(l) as { level: number; msg: string });

describe('Discord out of reach at start', { timeout: 30_000 }, () => {
  it('goes on with one line naming the cause, /readyz names discord, and logs in once Discord answers', async () => {
    const bot = await prepare('discord-unreachable');
    const relay = await relayTo(bot.fake);
    cleanup.push(() => relay.close());
    const app = await startApp({ config: bot.config, log: bot.log }, { discord: bot.start(relay.api) });
    cleanup.push(() => app.stop());
    expect(app.running).toEqual(['discord']);
    const logged = parsed(bot.lines);
    const said = logged.filter((l) => l.msg.startsWith('Discord cannot be reached yet'));
    expect(said).toHaveLength(1);
    expect(said[0]?.level).toBe(40);
    expect(said[0]?.msg).toContain('connection to 127.0.0.1');
    expect(said[0]?.msg).toContain('refused (ECONNREFUSED): check that no firewall blocks');
    expect(said[0]?.msg).toContain('/readyz names discord until it answers');
    expect(logged.filter((l) => l.level >= 50)).toEqual([]);
    expect(bot.lines.join('\n')).not.toMatch(STACK_LINE);
    expect(bot.services.health.problems()).toEqual([
      expect.stringMatching(/^discord: cannot reach Discord yet \(last: connection to .* refused/),
    ]);
    expect(bot.fake.gatewayFrames.calls).toEqual([]);
    await relay.open();
    await expect.poll(() => bot.services.health.problems(), { timeout: 10_000, interval: 20 }).toEqual([]);
    await expect
      .poll(() => parsed(bot.lines).some((l) => l.msg === 'discord connected'), { timeout: 10_000 })
      .toBe(true);
    expect(bot.fake.store.globalCommands.map((c) => c.name)).toContain('imagine');
    expect(parsed(bot.lines).filter((l) => l.msg.startsWith('Discord cannot be reached yet'))).toHaveLength(
      1,
    );
    expect(bot.lines.join('\n')).not.toContain(bot.fake.token);
  });

  it('a first try Discord leaves unanswered goes on after its time, saying so; a later try logs in', async () => {
    const bot = await prepare('discord-unanswered', 1000);
    bot.fake.delayRoute('GET /gateway/bot', 5000);
    const started = Date.now();
    const running = await bot.start(bot.fake.apiUrl)();
    cleanup.push(() => running.stop());
    expect(Date.now() - started).toBeLessThan(4000);
    const said = parsed(bot.lines).filter((l) => l.msg.startsWith('Discord cannot be reached yet'));
    expect(said.map((l) => l.msg)).toEqual([
      expect.stringContaining(
        `(no answer from ${new URL(bot.fake.baseUrl).host} within 1 s: check the network`,
      ),
    ]);
    await expect.poll(() => bot.services.health.problems(), { timeout: 10_000, interval: 20 }).toEqual([]);
    expect(bot.fake.store.globalCommands.map((c) => c.name)).toContain('imagine');
  });

  it('a stop while it keeps trying ends the tries: nothing logs in afterwards', async () => {
    const bot = await prepare('discord-unreachable-stop');
    const relay = await relayTo(bot.fake);
    cleanup.push(() => relay.close());
    const running = await bot.start(relay.api)();
    await running.stop();
    expect(bot.services.health.problems()).toEqual([]);
    await relay.open();
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(bot.fake.calls).toEqual([]);
    expect(parsed(bot.lines).filter((l) => l.level >= 50)).toEqual([]);
  });

  it('a stop during the login put off until Discord answered ends it quietly', async () => {
    const unhandled = watchUnhandledRejections();
    cleanup.push(async () => unhandled.stop());
    const bot = await prepare('discord-unreachable-stop-login');
    const relay = await relayTo(bot.fake);
    cleanup.push(() => relay.close());
    const running = await bot.start(relay.api)();
    // The reach's own question is answered at once; the login's, the second one, takes long.
    let asked = 0;
    bot.fake.delayRoute((call) => call.route === 'GET /gateway/bot' && ++asked === 2, 3000);
    await relay.open();
    await expect
      .poll(() => bot.services.health.problems(), { timeout: 5000, interval: 10 })
      .toEqual(['discord: Discord answered; logging in']);
    await running.stop();
    await new Promise((resolve) => setTimeout(resolve, 3500));
    // discord.js cannot be told to give a login up: the session it opened after the stop is closed at once.
    await expect.poll(() => bot.fake.gateway.connected, { timeout: 5000 }).toBe(0);
    expect(bot.fake.callsTo('PUT /applications/:app/commands')).toEqual([]);
    expect(parsed(bot.lines).some((l) => l.msg === 'discord connected')).toBe(false);
    expect(parsed(bot.lines).filter((l) => l.level >= 50)).toEqual([]);
    expect(unhandled.rejections).toEqual([]);
  });

  it('a token refused once Discord answers, after a start without it: one line, /readyz says so, no more tries', async () => {
    const bot = await prepare('discord-refused-later');
    const relay = await relayTo(bot.fake);
    cleanup.push(() => relay.close());
    const running = await bot.start(relay.api)();
    cleanup.push(() => running.stop());
    bot.fake.failRoute('GET /gateway/bot', {
      times: 100,
      status: 401,
      code: 0,
      message: '401: Unauthorized',
    });
    await relay.open();
    await expect
      .poll(() => bot.services.health.problems(), { timeout: 5000, interval: 10 })
      .toEqual([
        'discord: could not start (Discord refused DISCORD_TOKEN (401 Unauthorized): it was reset or mistyped; copy the bot’s token again from the Developer Portal (your application → Bot → Reset Token)); restart the bot once that is fixed',
      ]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(bot.fake.callsTo('GET /gateway/bot')).toHaveLength(1);
    const errors = parsed(bot.lines).filter((l) => l.level >= 50);
    expect(errors.map((l) => l.msg)).toEqual([
      expect.stringMatching(
        /^Discord refused DISCORD_TOKEN .*; Discord stays unheard until the bot is restarted$/,
      ),
    ]);
    expect(bot.lines.join('\n')).not.toMatch(STACK_LINE);
    expect(bot.lines.join('\n')).not.toContain(bot.fake.token);
  });

  it('a gateway that never lets the bot in: the start goes on after its bound with one line naming it, a stop ends the login', async () => {
    const bot = await prepare('discord-gateway-blocked', 2000, 1000);
    const port = await freePort();
    const gateway = `ws://127.0.0.1:${port}/gateway`;
    Object.defineProperty(bot.fake, 'gatewayUrl', { get: () => gateway });
    const started = Date.now();
    const starting = bot.start(bot.fake.apiUrl)();
    const running = await Promise.race([
      starting,
      new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 5000).unref()),
    ]);
    if (running === 'hung') {
      cleanup.push(async () => void starting.then((late) => late.stop()));
      expect.fail('startDiscord did not return within 5 s of a gateway that never answers');
    }
    expect(Date.now() - started).toBeLessThan(4000);
    const warned = parsed(bot.lines).filter((l) => l.level === 40);
    expect(warned.map((l) => l.msg)).toEqual([
      `Discord answered but its gateway (${gateway}) did not let the bot in within 1 s: check that no firewall or proxy blocks websockets to it; the bot keeps trying and serves the other adapters meanwhile; /readyz names discord until it is in`,
    ]);
    expect(bot.services.health.problems()).toEqual([
      `discord: Discord answered but its gateway (${gateway}) has not let the bot in yet; still trying`,
    ]);
    await running.stop();
    // Stopped: discord.js's reconnecting ends with it, nothing dials the gateway afterwards.
    let dialed = 0;
    const listener = createServer((socket) => {
      dialed += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(port, '127.0.0.1', () => resolve()));
    cleanup.push(() => new Promise<void>((resolve) => listener.close(() => resolve())));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(dialed).toBe(0);
    expect(parsed(bot.lines).filter((l) => l.level >= 50)).toEqual([]);
  });

  it('a proxy’s 407 on the login’s own question, after Discord answered: cannot reach yet, tried again, logs in', async () => {
    const bot = await prepare('discord-login-proxy');
    let asked = 0;
    bot.fake.failRoute((call) => call.route === 'GET /gateway/bot' && ++asked === 2, {
      status: 407,
      message: 'Proxy Authentication Required',
    });
    const running = await bot.start(bot.fake.apiUrl)();
    cleanup.push(() => running.stop());
    const said = parsed(bot.lines).filter((l) => l.msg.startsWith('Discord cannot be reached yet'));
    expect(said.map((l) => l.msg)).toEqual([expect.stringContaining('asks for credentials (407)')]);
    await expect.poll(() => bot.services.health.problems(), { timeout: 10_000, interval: 20 }).toEqual([]);
    await expect
      .poll(() => parsed(bot.lines).some((l) => l.msg === 'discord connected'), { timeout: 10_000 })
      .toBe(true);
    expect(bot.fake.store.globalCommands.map((c) => c.name)).toContain('imagine');
    expect(parsed(bot.lines).filter((l) => l.level >= 50)).toEqual([]);
  });

  it('a token Discord refuses (401) ends the start at once in one line, tried once, without the token', async () => {
    const bot = await prepare('discord-refused-token');
    bot.fake.failRoute('GET /gateway/bot', {
      times: 100,
      status: 401,
      code: 0,
      message: '401: Unauthorized',
    });
    const started = Date.now();
    const error = await startApp(
      { config: bot.config, log: bot.log },
      { discord: bot.start(bot.fake.apiUrl) },
    ).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(startFailure(error, bot.config)).toBe(
      'Discord refused DISCORD_TOKEN (401 Unauthorized): it was reset or mistyped; copy the bot’s token again from the Developer Portal (your application → Bot → Reset Token)',
    );
    expect(bot.fake.callsTo('GET /gateway/bot')).toHaveLength(1);
    expect(bot.fake.gatewayFrames.calls).toEqual([]);
    // Said once, by whoever ends the start: nothing at error level, no stack trace, never the token.
    expect(parsed(bot.lines).filter((l) => l.level >= 50)).toEqual([]);
    expect(bot.lines.join('\n')).not.toMatch(STACK_LINE);
    expect(bot.lines.join('\n')).not.toContain(bot.fake.token);
  });
});
