import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type InteractionsEndpoint,
  startInteractionsEndpoint,
} from '../../../adapters/discord/interactions-endpoint.js';
import { t } from '../../../src/i18n.js';
import { makeSigningKeys, postSignedInteraction } from '../../doubles/fake-discord/http-interactions.js';
import { streamBody } from '../web/http-client.js';

/** The endpoint's limit (interactions-endpoint.ts MAX_BODY_BYTES). */
const LIMIT = 1024 * 1024;

const keys = makeSigningKeys();
let endpoint: InteractionsEndpoint | undefined;
afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
});

/** An endpoint on a free port, opened unless told (the bot logged in). */
async function start(open = true) {
  const received: Array<Record<string, unknown>> = [];
  endpoint = await startInteractionsEndpoint({
    publicKey: keys.publicKeyHex,
    host: '127.0.0.1',
    port: 0,
    defaultLocale: 'de',
    onInteraction: (payload) => received.push(payload),
  });
  if (open) endpoint.open();
  return { url: endpoint.url, received };
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
    for (const announce of [false, true]) {
      const streamed = await streamBody(port, {
        path: '/interactions',
        headers: { 'content-type': 'application/json' },
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
});
