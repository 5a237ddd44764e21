// The playground's connection limits (it may face other machines, WEB_HOST with WEB_ACCESS_TOKEN): a connection that
// sends nothing is closed once silent for the idle limit, while an event stream, whose heartbeat comes at a quarter
// of that limit, stays open however long it lasts. The limit is shortened here (to leave a loaded machine's event
// loop room between heartbeats); the default is 120 s.
// Real commands and queue; the engine is the timed test double (these requests never reach a run).
import { get, Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { playgroundLimits } from '../../../adapters/web/server.js';
import { closedWhenSilent } from './http-client.js';
import { openPlaygroundOnDouble, type PlaygroundOnDouble } from './playground-server.js';

const IDLE_MS = 1500;
/** Large enough that the request limit is not Node's default of 5 minutes, which a server left unset would show. */
const MAX_INPUT_BYTES = 50 * 1024 * 1024;

describe('playground connection limits', () => {
  let playground: PlaygroundOnDouble;
  let port = 0;
  /** The HTTP server the playground started: the limits Node holds it to are its properties. */
  let server: Server | undefined;
  beforeAll(async () => {
    playground = openPlaygroundOnDouble('limits');
    const listen = vi.spyOn(Server.prototype, 'listen');
    try {
      ({ port } = await playground.start({
        maxInputBytes: MAX_INPUT_BYTES,
        limits: { idleMs: IDLE_MS },
      }));
      // Read before the restore, which forgets the calls.
      server = listen.mock.contexts.find(
        (each): each is Server =>
          each instanceof Server && (each.address() as { port?: number })?.port === port,
      );
    } finally {
      listen.mockRestore();
    }
  });
  afterAll(() => playground.close());

  it('closes a connection that sends nothing, or stops within its headers', async () => {
    await closedWhenSilent(port, '');
    await closedWhenSilent(port, 'GET /api/info HTTP/1.1\r\nhost: 127.0.0.1\r\n');
  });

  it('keeps an event stream open well past the idle limit: its heartbeat is traffic', async () => {
    const started = Date.now();
    let text = '';
    let closed = false;
    const lasted = await new Promise<number>((resolve, reject) => {
      const req = get({ host: '127.0.0.1', port, path: '/api/events' }, (res) => {
        expect(res.statusCode).toBe(200);
        // Nothing between the page and the server may hold events back: no compressing, no buffering proxy.
        expect(res.headers['cache-control']).toBe('no-store, no-transform');
        expect(res.headers['x-accel-buffering']).toBe('no');
        res.setEncoding('utf8');
        res.on('close', () => {
          closed = true;
          resolve(Date.now() - started);
        });
        res.on('data', (chunk: string) => {
          text += chunk;
          // Four idle limits passed with the stream open: then the test lets it go.
          if (Date.now() - started > 4 * IDLE_MS) {
            req.destroy();
            resolve(Date.now() - started);
          }
        });
      });
      req.on('error', reject);
    });
    expect(closed, `closed after ${lasted} ms`).toBe(false);
    expect(text).toContain(': ping');
  });

  it('gives the largest upload on a poor mobile link its time, and never less than Node’s 5 minutes', () => {
    expect(playgroundLimits(1024 * 1024).requestMs).toBe(300_000);
    const big = playgroundLimits(MAX_INPUT_BYTES);
    // The limits the started server is held to, not only the sums.
    expect(server?.requestTimeout).toBe(big.requestMs);
    expect(server?.timeout).toBe(IDLE_MS);
    // 50 MiB at 16 KiB/s is over 53 minutes.
    expect(big.requestMs).toBeGreaterThan(((50 * 1024 * 1024) / (16 * 1024)) * 1000);
    expect(big.idleMs).toBeGreaterThan(4 * 15_000);
  });
});
