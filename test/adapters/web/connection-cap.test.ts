// The playground caps its open connections (a flood of sockets must not take the process's file descriptors) with
// room for an event stream per open page: past the cap the oldest idle connection goes, never an open page's stream,
// and a new request still gets its answer. The cap is lowered here to a handful; the default is
// PLAYGROUND_MAX_CONNECTIONS. Real commands and queue on the timed engine double (no request here reaches a run).
import { type ClientRequest, get } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLAYGROUND_MAX_CONNECTIONS, playgroundLimits } from '../../../adapters/web/server.js';
import { send } from './http-client.js';
import { openPlaygroundOnDouble, type PlaygroundOnDouble } from './playground-server.js';

const CAP = 4;

/** An open page's event stream, once its headers came. */
function openStream(port: number): Promise<{ req: ClientRequest; closed: () => boolean }> {
  return new Promise((resolve, reject) => {
    let closed = false;
    const req = get({ host: '127.0.0.1', port, path: '/api/events' }, (res) => {
      res.on('close', () => {
        closed = true;
      });
      res.resume();
      resolve({ req, closed: () => closed });
    });
    req.on('error', reject);
  });
}

/** A socket that connects and sends nothing; `gone` resolves when the server closes it. */
function silentSocket(port: number): { socket: Socket; gone: Promise<void> } {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.resume();
  return { socket, gone: new Promise((resolve) => socket.once('close', () => resolve())) };
}

describe('playground connection cap', () => {
  let playground: PlaygroundOnDouble;
  let port = 0;
  beforeAll(async () => {
    playground = openPlaygroundOnDouble('cap');
    ({ port } = await playground.start({ limits: { maxConnections: CAP } }));
  });
  afterAll(() => playground.close());

  it('caps open connections by default, with room for many pages’ event streams', () => {
    expect(playgroundLimits(1024 * 1024).maxConnections).toBe(PLAYGROUND_MAX_CONNECTIONS);
    expect(PLAYGROUND_MAX_CONNECTIONS).toBeGreaterThanOrEqual(256);
    // A test's own lower cap is kept.
    expect(playgroundLimits(1024 * 1024, { maxConnections: CAP }).maxConnections).toBe(CAP);
  });

  it('keeps every default for a limit given as undefined, the cap included', () => {
    const given = { maxConnections: undefined, idleMs: undefined, requestMs: undefined };
    expect(playgroundLimits(1024 * 1024, given)).toEqual(playgroundLimits(1024 * 1024));
    expect(playgroundLimits(1024 * 1024, given).maxConnections).toBe(PLAYGROUND_MAX_CONNECTIONS);
  });

  it('closes the oldest idle socket past the cap, never an open page’s event stream', async () => {
    const pages = [await openStream(port), await openStream(port)];
    const silent = Array.from({ length: CAP }, () => silentSocket(port));
    // Two streams and four silent sockets: the two oldest silent ones are closed for the newer ones.
    await Promise.all(silent.slice(0, 2).map((each) => each.gone));
    expect(pages.map((page) => page.closed())).toEqual([false, false]);
    // A new request is answered: the oldest idle socket makes room for it.
    const answer = await send(port, '/api/info');
    expect(answer.status).toBe(200);
    expect(pages.map((page) => page.closed())).toEqual([false, false]);
    for (const page of pages) page.req.destroy();
    for (const each of silent) each.socket.destroy();
  });
});
