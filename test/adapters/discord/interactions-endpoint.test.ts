import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  INTERACTIONS_MAX_CONNECTIONS,
  type InteractionsEndpoint,
  startInteractionsEndpoint,
} from '../../../adapters/discord/interactions-endpoint.js';
import { PLATFORM_BODY_LIMIT_BYTES } from '../../../adapters/shared/http-body.js';
import type { ConnectionLimits } from '../../../adapters/shared/http-timeouts.js';
import { t } from '../../../src/i18n.js';
import { makeSigningKeys, postSignedInteraction } from '../../doubles/fake-discord/http-interactions.js';
import { expectOldestClosedPastCap } from '../shared/connection-cap.js';
import { closedWhenSilent, send, streamBody, trickleBody } from '../web/http-client.js';

/** The limit both platform endpoints read to. */
const LIMIT = PLATFORM_BODY_LIMIT_BYTES;

const keys = makeSigningKeys();
let endpoint: InteractionsEndpoint | undefined;
afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
});

/** An endpoint on a free port, opened unless told (the bot logged in). */
async function start(open = true, limits?: Partial<ConnectionLimits>) {
  const received: Array<Record<string, unknown>> = [];
  const warnings: Array<{ fields: Record<string, unknown>; message: string }> = [];
  endpoint = await startInteractionsEndpoint({
    limits,
    warn: (fields, message) => warnings.push({ fields, message }),
    publicKey: keys.publicKeyHex,
    host: '127.0.0.1',
    port: 0,
    defaultLocale: 'de',
    onInteraction: (payload) => received.push(payload),
  });
  if (open) endpoint.open();
  return { url: endpoint.url, received, warnings };
}

const command = { id: '1', type: 2, token: 'tok', data: { name: 'help' } };

describe('HTTP interactions endpoint', () => {
  it('answers a signed PING with PONG and hands a signed command on after a 202', async () => {
    const { url, received } = await start();
    expect(await postSignedInteraction(url, { id: '0', type: 1 }, keys)).toEqual({
      status: 200,
      body: { type: 1 },
    });
    expect(received).toEqual([]);
    expect((await postSignedInteraction(url, command, keys)).status).toBe(202);
    expect(received).toEqual([command]);
  });

  it('until opened, answers a PING but a command 503 "starting" with Retry-After, handing nothing on', async () => {
    const { url, received } = await start(false);
    expect(await postSignedInteraction(url, { id: '0', type: 1 }, keys)).toEqual({
      status: 200,
      body: { type: 1 },
    });
    expect(await postSignedInteraction(url, command, keys)).toEqual({
      status: 503,
      body: `${t('de', 'server.starting')}\n`,
      retryAfter: '30',
    });
    expect(received).toEqual([]);
    endpoint?.open();
    expect((await postSignedInteraction(url, command, keys)).status).toBe(202);
    expect(received).toEqual([command]);
  });

  it('refuses a forged signature, a changed body and a stale timestamp with 401, handing nothing on', async () => {
    const { url, received } = await start();
    const forger = generateKeyPairSync('ed25519').privateKey;
    expect((await postSignedInteraction(url, command, keys, { privateKey: forger })).status).toBe(401);
    const tampered = await postSignedInteraction(url, command, keys, {
      tamper: (body) => body.replace('help', 'imagine'),
    });
    expect(tampered.status).toBe(401);
    const stale = await postSignedInteraction(url, command, keys, {
      timestamp: Math.floor(Date.now() / 1000) - 3600,
    });
    expect(stale.status).toBe(401);
    const unsigned = await fetch(url, { method: 'POST', body: JSON.stringify(command) });
    expect(unsigned.status).toBe(401);
    expect(received).toEqual([]);
  });

  it('answers other paths, methods and non-JSON bodies with a clear status', async () => {
    const { url, received } = await start();
    expect((await fetch(url.replace('/interactions', '/other'), { method: 'POST' })).status).toBe(404);
    expect((await fetch(url)).status).toBe(405);
    expect((await postSignedInteraction(url, 'just text', keys)).status).toBe(400);
    expect(received).toEqual([]);
  });

  it('refuses a body over 1 MiB as soon as it passes it, chunked or announced: 413, connection closed', async () => {
    const { url, received } = await start();
    const port = Number(new URL(url).port);
    // Headers that could be Discord's (a body this long is never signed by it): the body is read, up to the limit.
    const signatureHeaders = {
      'x-signature-ed25519': 'ab'.repeat(64),
      'x-signature-timestamp': String(Math.floor(Date.now() / 1000)),
    };
    for (const announce of [false, true]) {
      const streamed = await streamBody(port, {
        path: '/interactions',
        headers: { 'content-type': 'application/json', ...signatureHeaders },
        head: Buffer.from('{"type":2,"pad":"'),
        fillerBytes: 8 * LIMIT,
        filler: 'x'.charCodeAt(0),
        tail: Buffer.from('"}'),
        announce,
      });
      // The answer reaches the client (a request destroyed under it answers nothing), and the rest goes unread.
      expect(/^HTTP\/1\.1 413 /.test(streamed.answer), `announced: ${announce}`).toBe(true);
      expect(/\r\nconnection: close\r\n/i.test(streamed.answer)).toBe(true);
      expect(streamed.endedByServer).toBe(true);
      expect(streamed.written).toBeLessThan(3 * LIMIT);
    }
    expect(received).toEqual([]);
  });

  it('refuses a request whose signature headers cannot be right before reading its body: 401, connection closed', async () => {
    const { url, received } = await start();
    const port = Number(new URL(url).port);
    const stale = String(Math.floor(Date.now() / 1000) - 3600);
    const wellFormed = 'ab'.repeat(64);
    const unsignable: Array<Record<string, string>> = [
      {},
      { 'x-signature-timestamp': String(Math.floor(Date.now() / 1000)) },
      { 'x-signature-ed25519': wellFormed, 'x-signature-timestamp': stale },
      {
        'x-signature-ed25519': wellFormed.slice(2),
        'x-signature-timestamp': String(Math.floor(Date.now() / 1000)),
      },
    ];
    for (const signatureHeaders of unsignable) {
      // Under the limit, and its end never sent: an endpoint that reads the body first has nothing to answer yet.
      const streamed = await streamBody(port, {
        path: '/interactions',
        headers: { 'content-type': 'application/json', ...signatureHeaders },
        head: Buffer.from('{"type":2,"pad":"'),
        fillerBytes: LIMIT / 2,
        filler: 'x'.charCodeAt(0),
        tail: Buffer.from('"}'),
        announce: false,
      });
      const what = JSON.stringify(signatureHeaders);
      expect(/^HTTP\/1\.1 401 /.test(streamed.answer), `${what}: ${streamed.answer.slice(0, 40)}`).toBe(true);
      expect(/\r\nconnection: close\r\n/i.test(streamed.answer), what).toBe(true);
      expect(streamed.endedByServer, what).toBe(true);
    }
    expect(received).toEqual([]);
  });

  it('closes a connection that sends nothing, or stops within its headers (slowloris), once it is silent', async () => {
    const { url, received } = await start(true, { idleMs: 200 });
    const port = Number(new URL(url).port);
    await closedWhenSilent(port, '');
    await closedWhenSilent(port, 'POST /interactions HTTP/1.1\r\nhost: 127.0.0.1\r\n');
    expect(received).toEqual([]);
  });

  it('answers 408 to a body trickled a byte at a time (never idle) once the request limit passes', {
    timeout: 15_000,
  }, async () => {
    const { url, received } = await start(true, { idleMs: 10_000, headersMs: 1_000, requestMs: 1_500 });
    const trickled = await trickleBody(Number(new URL(url).port), '/interactions', {
      'content-type': 'application/json',
      'x-signature-ed25519': 'ab'.repeat(64),
      'x-signature-timestamp': String(Math.floor(Date.now() / 1000)),
    });
    expect(trickled.answer.slice(0, 40)).toMatch(/^HTTP\/1\.1 408 /);
    // Not before the limit; how long after it depends on the machine (Node looks every second).
    expect(trickled.afterMs).toBeGreaterThanOrEqual(1_500 - 50);
    expect(received).toEqual([]);
  });

  it('answers another path (404) or method (405) with the connection closed, its body unread', async () => {
    const { url, received } = await start();
    const port = Number(new URL(url).port);
    const streamed = await streamBody(port, {
      path: '/other',
      headers: { 'content-type': 'application/json' },
      head: Buffer.from('{"pad":"'),
      fillerBytes: 1000,
      tail: Buffer.from('"}'),
      announce: true,
    });
    expect(streamed.answer.slice(0, 40)).toMatch(/^HTTP\/1\.1 404 /);
    expect(/\r\nconnection: close\r\n/i.test(streamed.answer)).toBe(true);
    expect(streamed.endedByServer).toBe(true);
    const wrongMethod = await send(port, '/interactions', { method: 'PUT', body: Buffer.from('{"pad":1}') });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.connection).toBe('close');
    expect(received).toEqual([]);
  });

  it('says once, naming the skew and both its causes, that signed timestamps are out of the window', async () => {
    const { url, warnings } = await start();
    const hourAgo = Math.floor(Date.now() / 1000) - 3600;
    for (let i = 0; i < 3; i += 1) {
      const stale = await postSignedInteraction(url, { id: '0', type: 1 }, keys, { timestamp: hourAgo });
      expect(stale.status).toBe(401);
    }
    // Headers that are not a signature say nothing of the clock.
    expect((await fetch(url, { method: 'POST', body: '{}' })).status).toBe(401);
    expect(warnings).toHaveLength(1);
    const [warning] = warnings;
    expect(Math.abs(Number(warning?.fields.skewS) - 3600)).toBeLessThanOrEqual(2);
    expect(warning?.message).toMatch(/\b360[0-2] s off this host's clock/);
    // Checked before the signature, the skew may be a replay's or a scanner's as well as a wrong clock's.
    expect(warning?.message).toContain('the host clock is wrong (check NTP) or the request is a replay');
    expect(JSON.stringify(warning)).not.toContain(keys.publicKeyHex);
  });

  it('keeps its cap on open connections where a limit leaves maxConnections undefined', async () => {
    const { url } = await start(true, { maxConnections: undefined });
    await expectOldestClosedPastCap(Number(new URL(url).port), INTERACTIONS_MAX_CONNECTIONS);
  });
});
