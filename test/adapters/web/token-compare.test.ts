// The playground's access token is compared in constant time whatever the length of what a request gives: both
// sides are reduced to SHA-256 digests first, so `timingSafeEqual` always compares 32 bytes with 32, and no early
// return on a length mismatch tells a guesser how long the token is.
import type * as Crypto from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { identify } from '../../../adapters/web/session.js';
import { send } from './http-client.js';

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

const TOKEN = 'correct-horse-battery-staple';

describe('the playground access token', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (identify(req, res, TOKEN, () => 'token required')) res.end('in');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('is compared as two 32-byte digests, whatever the length given, and still tells right from wrong', async () => {
    const given = [
      '',
      'c',
      TOKEN.slice(0, -1),
      `${TOKEN.slice(0, -1)}X`,
      `${TOKEN}e`,
      'x'.repeat(4096),
      'ünïcödé-is-not-ascii',
      TOKEN,
    ];
    const statuses: number[] = [];
    for (const token of given) {
      compared.length = 0;
      statuses.push((await send(port, `/?token=${encodeURIComponent(token)}`)).status);
      // One comparison per request, of equal lengths that do not depend on what was given.
      expect(compared, JSON.stringify(token.slice(0, 40))).toEqual([[32, 32]]);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 401, 200]);
    // The cookie and the bearer header go the same way.
    compared.length = 0;
    expect((await send(port, '/', { headers: { cookie: 'dimoo_token=short' } })).status).toBe(401);
    expect((await send(port, '/', { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect(compared).toEqual([
      [32, 32],
      [32, 32],
    ]);
  });
});
