// The webhook server's own checks, before grammY sees a request: the secret header is compared as two SHA-256
// digests (grammY's compare returns early on a length mismatch, which tells a guesser the secret's length), and a
// body over the limit is refused as soon as it passes it, with or without a Content-Length (grammY reads a body to
// its end, however long), the connection closed so the rest is never read. Until the bot opens it (Telegram reached),
// an update is answered 503 "starting", as the port's reservation answered it, and Telegram sends it again later;
// so is one that comes once the stopping bot can keep no more (`refuseUpdates`).
import type * as Crypto from 'node:crypto';
import { Bot } from 'grammy';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { PLATFORM_BODY_LIMIT_BYTES } from '../../../adapters/shared/http-body.js';
import {
  serveWebhook,
  WEBHOOK_MAX_CONNECTIONS,
  type WebhookServer,
} from '../../../adapters/telegram/webhook.js';
import { t } from '../../../src/i18n.js';
import { createLogger } from '../../../src/log.js';
import { expectOldestClosedPastCap } from '../shared/connection-cap.js';
import { closedWhenSilent, send, streamBody, trickleBody } from '../web/http-client.js';
import { botInfo } from './bot-info.js';

/** The byte lengths of every pair `timingSafeEqual` compared. */
const compared = vi.hoisted(() => [] as Array<[number, number]>);
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof Crypto>();
  return {
    ...real,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      compared.push([a.byteLength, b.byteLength]);
      return real.timingSafeEqual(a, b);
    },
  };
});

const SECRET = 'hook_secret-1';
const PATH = '/tg/hook';
/** The limit both platform endpoints read to. */
const LIMIT = PLATFORM_BODY_LIMIT_BYTES;
const me = botInfo();

let server: WebhookServer;
const handled: number[] = [];
// botInfo given: grammY asks Telegram for nothing before handling an update.
const bot = new Bot('123456:ABCdefGHIjklMNOpqrSTUvwxyz', { botInfo: me });
bot.on('message', (ctx) => {
  handled.push(ctx.update.update_id);
});
const log = createLogger({ level: 'silent', pretty: false });
const listen = { host: '127.0.0.1', port: 0, path: PATH, secretToken: SECRET, defaultLocale: 'fr' as const };

beforeAll(async () => {
  server = await serveWebhook(bot, listen, log);
  server.open();
});
afterAll(() => server?.close());
beforeEach(() => {
  compared.length = 0;
  handled.length = 0;
});

let updateId = 100;
/** A text message update as Telegram posts it; `padding` characters of text make it as long as needed. */
function update(padding = 0) {
  updateId += 1;
  const base = {
    update_id: updateId,
    message: {
      message_id: updateId,
      date: 0,
      chat: { id: 1001, type: 'private', first_name: 'Alice' },
      from: { id: 1001, is_bot: false, first_name: 'Alice' },
      text: '',
    },
  };
  base.message.text = 'x'.repeat(padding);
  return { id: updateId, body: Buffer.from(JSON.stringify(base)) };
}

function post(body: Buffer, secret?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (secret !== undefined) headers['x-telegram-bot-api-secret-token'] = secret;
  return send(server.port, PATH, { method: 'POST', headers, body });
}

/** The status line of a raw answer, and whether it asked to close the connection. */
function statusOf(answer: string): { status: number; closes: boolean } {
  const [head = ''] = answer.split('\r\n\r\n', 1);
  return {
    status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0),
    closes: /\r\nconnection: close\r\n/i.test(`${head}\r\n`),
  };
}

/** An update `bodyBytes` long (its text padded), streamed with or without a Content-Length; the end held back. */
function streamUpdate(bodyBytes: number, announce: boolean, secret = SECRET) {
  const { body } = update(0);
  // The body is `head`, then filler bytes ('x', inside the text's quotes), then `tail`.
  const cut = body.indexOf('"text":"') + '"text":"'.length;
  const head = body.subarray(0, cut);
  const tail = body.subarray(cut);
  return streamBody(server.port, {
    path: PATH,
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
    head,
    fillerBytes: bodyBytes - head.length - tail.length,
    filler: 'x'.charCodeAt(0),
    tail,
    announce,
  });
}

describe('the Telegram webhook server', { timeout: 30_000 }, () => {
  it('until opened, answers an update 503 "starting" with Retry-After and hands it to no one; then serves', async () => {
    const starting = await serveWebhook(bot, listen, log);
    try {
      const { id, body } = update();
      const headers = { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET };
      const answer = await send(starting.port, PATH, { method: 'POST', headers, body });
      expect(answer.status).toBe(503);
      expect(answer.headers['retry-after']).toBe('30');
      expect(answer.body).toBe(`${t('fr', 'server.starting')}\n`);
      // What it would refuse anyway is refused as ever.
      expect((await send(starting.port, PATH, { method: 'POST', body })).status).toBe(401);
      expect(handled).toEqual([]);
      starting.open();
      expect((await send(starting.port, PATH, { method: 'POST', headers, body })).status).toBe(200);
      await expect.poll(() => handled).toEqual([id]);
    } finally {
      await starting.close();
    }
  });

  it('once refusing updates (the bot stopping), answers one 503 and closes its connection, handing it to no one', async () => {
    const stopping = await serveWebhook(bot, listen, log);
    try {
      stopping.open();
      stopping.refuseUpdates();
      const { body } = update();
      const headers = { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET };
      const answer = await send(stopping.port, PATH, { method: 'POST', headers, body });
      expect(answer.status).toBe(503);
      expect(answer.headers.connection).toBe('close');
      expect(handled).toEqual([]);
    } finally {
      await stopping.close();
    }
  });

  it('compares the secret as two 32-byte digests, whatever the length given, and tells right from wrong', async () => {
    const given = [
      undefined,
      '',
      'h',
      SECRET.slice(0, -1),
      `${SECRET.slice(0, -1)}X`,
      `${SECRET}1`,
      'x'.repeat(4096),
      SECRET,
    ];
    const statuses: number[] = [];
    for (const secret of given) {
      compared.length = 0;
      statuses.push((await post(update().body, secret)).status);
      // One comparison per request, of equal lengths that do not depend on what was given.
      expect(compared, JSON.stringify(secret?.slice(0, 40))).toEqual([[32, 32]]);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 401, 200]);
    // Only the right secret's update was handled.
    expect(handled).toHaveLength(1);
  });

  it('refuses a chunked body over the limit as soon as it passes it (413, connection closed)', async () => {
    const streamed = await streamUpdate(8 * LIMIT, false);
    expect(statusOf(streamed.answer)).toEqual({ status: 413, closes: true });
    expect(streamed.endedByServer).toBe(true);
    // Refused near the limit (a socket's buffers past it), not after the whole body.
    expect(streamed.written).toBeLessThan(3 * LIMIT);
    expect(handled).toEqual([]);
  });

  it('refuses a body whose Content-Length is over the limit before reading it, and closes', async () => {
    const streamed = await streamUpdate(8 * LIMIT, true);
    expect(statusOf(streamed.answer)).toEqual({ status: 413, closes: true });
    expect(streamed.endedByServer).toBe(true);
    expect(streamed.written).toBeLessThan(3 * LIMIT);
  });

  it('a wrong secret is refused before the body is read, and the connection closed', async () => {
    const streamed = await streamUpdate(8 * LIMIT, false, 'wrong');
    expect(statusOf(streamed.answer)).toEqual({ status: 401, closes: true });
    expect(streamed.endedByServer).toBe(true);
    expect(streamed.written).toBeLessThan(3 * LIMIT);
  });

  it('takes an update of exactly the limit, chunked or not; a malformed body is a 400', async () => {
    for (const chunked of [true, false]) {
      const one = update(0);
      const padding = LIMIT - one.body.length;
      const full = update(padding);
      expect(full.body.length).toBe(LIMIT);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'x-telegram-bot-api-secret-token': SECRET,
        ...(chunked ? { 'transfer-encoding': 'chunked' } : {}),
      };
      const answer = await send(server.port, PATH, { method: 'POST', headers, body: full.body });
      expect(answer.status).toBe(200);
      await expect.poll(() => handled.includes(full.id)).toBe(true);
    }
    expect((await post(Buffer.from('{not json'), SECRET)).status).toBe(400);
  });

  it('refuses a body that is not an update with 400, handing it to no one, and logs neither its text nor a stack', async () => {
    const lines: string[] = [];
    const logged = createLogger({
      level: 'debug',
      pretty: false,
      destination: { write: (l: string) => lines.push(l) },
    });
    const strict = await serveWebhook(bot, listen, logged);
    try {
      strict.open();
      const bodies = [
        'null',
        '[1,2]',
        '42',
        '"text"',
        '{}',
        '{"update_id":"12","message":{}}',
        '{"update_id":-1}',
        '{"update_id":1.5}',
        '{"private words": ',
        'private words',
        '',
      ];
      const headers = { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET };
      const statuses: number[] = [];
      for (const body of bodies) {
        statuses.push(
          (await send(strict.port, PATH, { method: 'POST', headers, body: Buffer.from(body) })).status,
        );
      }
      expect(statuses).toEqual(bodies.map(() => 400));
      // A marker that passes: nothing refused reached the handlers before it.
      const { id, body } = update();
      expect((await send(strict.port, PATH, { method: 'POST', headers, body })).status).toBe(200);
      await expect.poll(() => handled).toEqual([id]);
      expect(lines.join('')).not.toMatch(/private words|"stack"/);
    } finally {
      await strict.close();
    }
  });

  it('closes a connection that sends nothing, or stops within its headers (slowloris), once it is silent', async () => {
    const silent = await serveWebhook(bot, { ...listen, limits: { idleMs: 200 } }, log);
    try {
      silent.open();
      await closedWhenSilent(silent.port, '');
      await closedWhenSilent(silent.port, `POST ${PATH} HTTP/1.1\r\nhost: 127.0.0.1\r\n`);
      expect(handled).toEqual([]);
    } finally {
      await silent.close();
    }
  });

  it('answers 408 to a body trickled a byte at a time (never idle) once the request limit passes', {
    timeout: 15_000,
  }, async () => {
    const trickling = await serveWebhook(
      bot,
      { ...listen, limits: { idleMs: 10_000, headersMs: 1_000, requestMs: 1_500 } },
      log,
    );
    try {
      trickling.open();
      const trickled = await trickleBody(trickling.port, PATH, {
        'content-type': 'application/json',
        'x-telegram-bot-api-secret-token': SECRET,
      });
      expect(trickled.answer.slice(0, 40)).toMatch(/^HTTP\/1\.1 408 /);
      // Not before the limit; how long after it depends on the machine (Node looks every second).
      expect(trickled.afterMs).toBeGreaterThanOrEqual(1_500 - 50);
      expect(handled).toEqual([]);
    } finally {
      await trickling.close();
    }
  });

  it('answers another path (404) or method (405) with the connection closed, its body unread', async () => {
    const streamed = await streamBody(server.port, {
      path: '/other',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
      head: Buffer.from('{"pad":"'),
      fillerBytes: 1000,
      tail: Buffer.from('"}'),
      announce: true,
    });
    expect(statusOf(streamed.answer)).toEqual({ status: 404, closes: true });
    expect(streamed.endedByServer).toBe(true);
    const wrongMethod = await send(server.port, PATH, { method: 'PUT', body: update().body });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.connection).toBe('close');
    expect(handled).toEqual([]);
  });

  it('answers a handler slower than grammY allows before a shortened idle limit cuts the connection', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slowBot = new Bot('123456:ABCdefGHIjklMNOpqrSTUvwxyz', { botInfo: me });
    const started: number[] = [];
    slowBot.on('message', async (ctx) => {
      started.push(ctx.update.update_id);
      await gate;
    });
    const slow = await serveWebhook(slowBot, { ...listen, limits: { idleMs: 4_000 } }, log);
    try {
      slow.open();
      const { id, body } = update();
      const headers = { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET };
      // Answered 200 while the handler still runs (grammY's onTimeout 'return'): Telegram does not send it again.
      expect((await send(slow.port, PATH, { method: 'POST', headers, body })).status).toBe(200);
      expect(started).toEqual([id]);
    } finally {
      release();
      await slow.close();
    }
  });

  it('keeps its cap on open connections where a limit leaves maxConnections undefined', async () => {
    const capped = await serveWebhook(bot, { ...listen, limits: { maxConnections: undefined } }, log);
    try {
      await expectOldestClosedPastCap(capped.port, WEBHOOK_MAX_CONNECTIONS);
    } finally {
      await capped.close();
    }
  });
});
