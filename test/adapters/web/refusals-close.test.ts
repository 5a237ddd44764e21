// Every refusal of the playground ends its connection, as the upload limits' always did: a wrong or missing access
// token (401), another site's request (403), a path it does not serve (404), an action that is not JSON (415), a
// malformed question (400). The body a refused request brought stays unread, so nothing of it may be read as the
// next request, and a refused client keeps no connection open. Real HTTP, commands and queue on the timed engine
// double (no request here reaches a run).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from './http-client.js';
import { openPlaygroundOnDouble, type PlaygroundOnDouble } from './playground-server.js';

describe('playground: refusals close their connection', () => {
  let playground: PlaygroundOnDouble;

  beforeAll(() => {
    playground = openPlaygroundOnDouble('refusals');
  });
  afterAll(async () => {
    await playground.close();
  });

  it('closes after a 401, with no-store as the other refusals', async () => {
    const { port } = await playground.start({ accessToken: 'a-long-enough-secret' });
    const tries: Array<Record<string, string>> = [{}, { authorization: 'Bearer wrong' }];
    for (const headers of tries) {
      const answer = await send(port, '/api/messages', {
        method: 'POST',
        headers: { ...headers, 'content-type': 'text/plain' },
        body: Buffer.from('/imagine a fox'),
      });
      expect(answer.status).toBe(401);
      expect(answer.headers.connection).toBe('close');
      expect(answer.headers['cache-control']).toBe('no-store');
    }
    // The token given, the same server keeps the connection of an answer that is no refusal.
    const page = await send(port, '/', { headers: { authorization: 'Bearer a-long-enough-secret' } });
    expect(page.status).toBe(200);
    expect(page.headers.connection).not.toBe('close');
  });

  it('closes after a 403, a 404, a 415 and a 400', async () => {
    const { port } = await playground.start();
    const refusals: Array<[number, string, Parameters<typeof send>[2]]> = [
      [403, '/', { headers: { host: 'evil.example' } }],
      [404, '/nothing-here', {}],
      [
        404,
        '/api/unknown',
        { method: 'POST', headers: { 'content-type': 'text/plain' }, body: Buffer.from('x') },
      ],
      [
        415,
        '/api/actions',
        { method: 'POST', headers: { 'content-type': 'text/plain' }, body: Buffer.from('{}') },
      ],
      [400, '/api/size?bytes=many', {}],
    ];
    for (const [status, path, init] of refusals) {
      const answer = await send(port, path, init);
      expect(answer.status, path).toBe(status);
      expect(answer.headers.connection, `${status} ${path}`).toBe('close');
    }
  });
});
