// What another page in the user's browser can make the playground do: a cross-site form or no-cors fetch (CSRF)
// and a page whose name was rebound to this machine (DNS rebinding) are refused before anything runs; a link from
// elsewhere keeps the user's identity; another local app's cookie does not break the playground; a button press
// split mid-character arrives whole. Real HTTP, commands and queue; the engine is the timed double.
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadRequest, readJson } from '../../../adapters/web/json-body.js';
import { t } from '../../../src/i18n.js';
import { send } from './http-client.js';
import { openPlaygroundOnDouble, type PlaygroundOnDouble } from './playground-server.js';

const BOUNDARY = '----dimooguard';
const FORM = { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` };
const form = (text: string) =>
  Buffer.from(
    `--${BOUNDARY}\r\ncontent-disposition: form-data; name="text"\r\n\r\n${text}\r\n--${BOUNDARY}--\r\n`,
  );
const USER = 'dimoo_uid=0b4c7a44-3c39-4d34-9d6c-2f5f1a7c0101';

describe('playground request guard', () => {
  let playground: PlaygroundOnDouble;
  const start = async (host = '127.0.0.1', accessToken?: string) =>
    (await playground.start({ host, accessToken })).port;
  const queued = () => playground.jobs.store.byStatus('queued', 'running', 'done');

  beforeAll(() => {
    playground = openPlaygroundOnDouble('guard', { RATE_LIMIT_PER_MINUTE: '0' });
  });
  afterAll(async () => {
    await playground.close();
  });

  it('answers only to its own names and port: a rebound name reads nothing, not even the page', async () => {
    const port = await start();
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
      expect((await send(port, '/', { headers: { host } })).status, host).toBe(200);
    }
    for (const host of [
      `evil.example:${port}`,
      `127.0.0.1:${port + 1}`,
      'localhost',
      `localhost.evil.example:${port}`,
      `user@localhost:${port}`,
    ]) {
      for (const path of ['/', '/api/history', '/api/info']) {
        const answer = await send(port, path, { headers: { host, cookie: USER } });
        expect(answer.status, `${host} ${path}`).toBe(403);
        expect(answer.headers['content-type']).toMatch(/^text\/plain/);
        expect(answer.body.length).toBeLessThan(100);
        expect(answer.headers['set-cookie']).toBeUndefined();
      }
      const post = await send(port, '/api/messages', {
        method: 'POST',
        headers: { ...FORM, host },
        body: form('a fox at dawn'),
      });
      expect(post.status, host).toBe(403);
    }
    // HTTP/1.0 may leave Host out: no name, nothing answered.
    const bare = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.end('GET /api/info HTTP/1.0\r\n\r\n'));
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('end', () => resolve(Buffer.concat(chunks).toString()));
      socket.on('error', reject);
    });
    expect(bare).toMatch(/^HTTP\/1\.[01] 403 /);
    expect(queued()).toHaveLength(0);
  });

  it('refuses a POST sent by another page (Origin or Sec-Fetch-Site), queueing nothing and setting no cookie', async () => {
    const port = await start();
    const other: Array<Record<string, string>> = [
      { origin: 'http://evil.example' },
      { origin: `http://localhost:${port + 1}` },
      { origin: `http://127.0.0.1:${port + 1}` },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
      // Another port on this machine is the same site.
      { 'sec-fetch-site': 'same-site' },
      { origin: `http://127.0.0.1:${port}`, 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of other) {
      for (const cookie of [{ cookie: USER }, {}] as Array<Record<string, string>>) {
        const message = await send(port, '/api/messages', {
          method: 'POST',
          headers: { ...FORM, ...headers, ...cookie },
          body: form('a fox at dawn'),
        });
        expect(message.status, JSON.stringify(headers)).toBe(403);
        expect(message.headers['set-cookie']).toBeUndefined();
        const action = await send(port, '/api/actions', {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers, ...cookie },
          body: Buffer.from(JSON.stringify({ id: 'reroll:00000000-0000-4000-8000-000000000000' })),
        });
        expect(action.status, JSON.stringify(headers)).toBe(403);
      }
    }
    expect(queued()).toHaveLength(0);
    // A link from elsewhere still opens the page.
    const page = await send(port, '/', { headers: { 'sec-fetch-site': 'cross-site', cookie: USER } });
    expect(page.status).toBe(200);
  });

  it('takes a POST from its own page, under whichever of its names it was opened', async () => {
    const port = await start();
    for (const [host, headers] of [
      [`127.0.0.1:${port}`, { origin: `http://127.0.0.1:${port}`, 'sec-fetch-site': 'same-origin' }],
      [`localhost:${port}`, { origin: `http://localhost:${port}`, 'sec-fetch-site': 'same-origin' }],
      [`localhost:${port}`, { 'sec-fetch-site': 'none' }],
      // curl and other clients that are no page send neither.
      [`127.0.0.1:${port}`, {}],
    ] as const) {
      const answer = await send(port, '/api/messages', {
        method: 'POST',
        headers: { ...FORM, ...headers, host, cookie: USER },
        body: form('/help'),
      });
      expect(answer.status, host).toBe(200);
    }
  });

  it('takes a button press only as application/json (a cross-site page may send text/plain unasked)', async () => {
    const port = await start();
    const body = Buffer.from(JSON.stringify({ id: 'reroll:00000000-0000-4000-8000-000000000000' }));
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const answer = await send(port, '/api/actions', {
        method: 'POST',
        headers: { 'content-type': type, 'accept-language': 'ja' },
        body,
      });
      expect(answer.status, type).toBe(415);
      expect((JSON.parse(answer.body) as { lines: string[] }).lines).toEqual([t('ja', 'web.bad_request')]);
    }
    const json = await send(port, '/api/actions', {
      method: 'POST',
      headers: { 'content-type': 'Application/JSON; charset=utf-8' },
      body,
    });
    expect(json.status).toBe(200);
    expect((JSON.parse(json.body) as { lines: string[] }).lines).toEqual([t('en', 'errors.job.not_found')]);
  });

  it('bound to a name of its own, answers to that name too; bound to every address, leaves it to the token', async () => {
    // 127.0.0.2 is loopback on Linux, so no token is needed and the test needs no other machine.
    const own = await start('127.0.0.2');
    const at = { address: '127.0.0.2' };
    expect((await send(own, '/', { ...at, headers: { host: `127.0.0.2:${own}` } })).status).toBe(200);
    expect((await send(own, '/', { ...at, headers: { host: `evil.example:${own}` } })).status).toBe(403);

    const token = 'correct-horse-battery';
    const any = await start('0.0.0.0', token);
    const bearer = { authorization: `Bearer ${token}` };
    expect((await send(any, '/', { headers: { host: `mybox.lan:${any}`, ...bearer } })).status).toBe(200);
    expect((await send(any, '/', { headers: { host: 'bot.example' } })).status).toBe(401);
    const crossSite = await send(any, '/api/messages', {
      method: 'POST',
      headers: { ...FORM, ...bearer, host: `mybox.lan:${any}`, origin: 'http://evil.example' },
      body: form('a fox at dawn'),
    });
    expect(crossSite.status).toBe(403);
    const sameSite = await send(any, '/api/messages', {
      method: 'POST',
      headers: { ...FORM, ...bearer, host: `mybox.lan:${any}`, origin: `http://mybox.lan:${any}` },
      body: form('/help'),
    });
    expect(sameSite.status).toBe(200);
  });

  it('sets the identity cookie SameSite=Lax, so a link from another site keeps the user', async () => {
    const port = await start();
    const first = await send(port, '/');
    const cookie = ([] as string[])
      .concat(first.headers['set-cookie'] ?? [])
      .find((c) => c.startsWith('dimoo_uid='));
    expect(cookie).toMatch(/;\s*SameSite=Lax(;|$)/i);
    expect(cookie).toMatch(/HttpOnly/);
  });

  it("skips another local app's undecodable cookie instead of failing every request", async () => {
    const port = await start();
    const cookie = `other_app=100%; ${USER}; third=%E0%A4%A`;
    for (const path of ['/', '/api/info', '/api/history']) {
      const answer = await send(port, path, { headers: { cookie } });
      expect(answer.status, path).toBe(200);
      // The user's own cookie was read: no new identity is handed out.
      expect(answer.headers['set-cookie'], path).toBeUndefined();
    }
  });
});

describe('a button press body', () => {
  const chunked = (...parts: Buffer[]) => Readable.from(parts);

  it('is decoded once, so a character split between chunks arrives whole', async () => {
    const bytes = Buffer.from(JSON.stringify({ id: 'edit:x', answer: 'make it 青い — ё' }));
    // Split inside the three bytes of 青 and again inside the two of ё.
    const at = bytes.indexOf(Buffer.from('青')) + 1;
    const at2 = bytes.indexOf(Buffer.from('ё')) + 1;
    const body = await readJson(chunked(bytes.subarray(0, at), bytes.subarray(at, at2), bytes.subarray(at2)));
    expect(body).toEqual({ id: 'edit:x', answer: 'make it 青い — ё' });
  });

  it('counts its limit in bytes and refuses what is over it, or not an object', async () => {
    const over = Buffer.from(JSON.stringify({ answer: 'é'.repeat(60) }));
    expect(over.length).toBeGreaterThan(100);
    await expect(readJson(chunked(over), 100)).rejects.toBeInstanceOf(BadRequest);
    await expect(readJson(chunked(Buffer.from('[1]')))).rejects.toBeInstanceOf(BadRequest);
    await expect(readJson(chunked())).resolves.toEqual({});
  });

  it('gives up when the client goes away mid-body instead of waiting forever', async () => {
    const stream = new Readable({ read() {} });
    stream.push(Buffer.from('{"id":"edit:'));
    const pending = readJson(stream).catch((error: unknown) => error);
    stream.destroy();
    const hung = new Promise((resolve) => setTimeout(() => resolve('pending'), 2_000));
    expect(await Promise.race([pending, hung])).toBeInstanceOf(BadRequest);
  });
});
