// The shared download against a real local HTTP server: the body comes back whole; a body over the cap is refused
// as too large and its connection closed (a server that would send forever stops); a server that stalls runs into
// the timeout, again closing the connection; every failure is the platform's own refusal, never a raw error. A
// redirect is followed only where the caller allows: one to any other address is refused without reaching it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { downloadCapped } from '../../../adapters/shared/download.js';
import { UserInputError } from '../../../commands/index.js';

const FAILURE = 'errors.telegram.download_failed';

interface Served {
  url: string;
  /** Resolves when the connection closed; `finished`: the whole response had been sent by then. */
  closed: Promise<{ finished: boolean }>;
}

let server: Server | undefined;

async function stop(): Promise<void> {
  const running = server;
  server = undefined;
  if (!running) return;
  running.closeAllConnections();
  await new Promise((resolve) => running.close(resolve));
}

afterEach(stop);

/** Serves `handler` on a free port until the test ends. */
async function serve(handler: (res: ServerResponse, req: IncomingMessage) => void): Promise<Served> {
  let settle: (v: { finished: boolean }) => void = () => undefined;
  const closed = new Promise<{ finished: boolean }>((resolve) => {
    settle = resolve;
  });
  server = createServer((req, res) => {
    res.on('close', () => settle({ finished: res.writableFinished }));
    handler(res, req);
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/file.png`, closed };
}

/** Whether the server saw the client go within `ms` (a connection left open would keep the test waiting). */
async function hungUpWithin(served: Served, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'open'>((resolve) => {
    timer = setTimeout(resolve, ms, 'open');
  });
  const end = await Promise.race([served.closed, late]);
  clearTimeout(timer);
  return end !== 'open' && !end.finished;
}

/** Writes `chunk` every few milliseconds until the client goes away. */
function endless(res: ServerResponse, chunk: Uint8Array): void {
  res.writeHead(200, { 'content-type': 'image/png' });
  const tick = setInterval(() => {
    if (res.destroyed) clearInterval(tick);
    else res.write(chunk);
  }, 2);
  res.on('close', () => clearInterval(tick));
}

async function refusal(work: Promise<unknown>): Promise<UserInputError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserInputError);
  return error as UserInputError;
}

describe('downloadCapped', () => {
  it('returns a body that arrives in several chunks, byte for byte, at exactly the cap', async () => {
    const body = new Uint8Array(3000).map((_, i) => i % 251);
    const { url } = await serve((res) => {
      res.writeHead(200);
      res.write(body.subarray(0, 1000));
      setTimeout(() => res.end(body.subarray(1000)), 5);
    });
    const data = await downloadCapped(url, { maxBytes: body.byteLength, failure: FAILURE });
    expect(data).toEqual(body);
  });

  it('refuses a body over the cap as it arrives and closes the connection', async () => {
    const served = await serve((res) => endless(res, new Uint8Array(1024)));
    const error = await refusal(
      downloadCapped(served.url, { maxBytes: 10_000, failure: FAILURE, timeoutMs: 2000 }),
    );
    expect(error.key).toBe('errors.input.too_large');
    expect(error.params.limitBytes).toBe(10_000);
    expect(error.params.sizeBytes).toBeGreaterThan(10_000);
    // The server would write forever: it stops only because the client hung up.
    expect(await hungUpWithin(served, 1000)).toBe(true);
  });

  it('refuses a declared length over the cap before reading the body', async () => {
    const served = await serve((res) => {
      res.writeHead(200, { 'content-length': '50000' });
      res.write(new Uint8Array(100)); // then stalls: reading on would end in the timeout, not this refusal
    });
    const error = await refusal(
      downloadCapped(served.url, { maxBytes: 10_000, failure: FAILURE, timeoutMs: 2000 }),
    );
    expect(error.key).toBe('errors.input.too_large');
    expect(error.params).toEqual({ sizeBytes: 50_000, limitBytes: 10_000 });
    expect(await hungUpWithin(served, 1000)).toBe(true);
  });

  it('counts the decoded bytes of a compressed body, not its declared length', async () => {
    const packed = gzipSync(new Uint8Array(200_000));
    const { url } = await serve((res) => {
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': String(packed.byteLength) });
      res.end(packed);
    });
    expect(packed.byteLength).toBeLessThan(10_000);
    const error = await refusal(downloadCapped(url, { maxBytes: 10_000, failure: FAILURE }));
    expect(error.key).toBe('errors.input.too_large');
  });

  it('gives up on a body that stalls after the timeout, as the platform refusal, and closes the connection', async () => {
    const served = await serve((res) => {
      res.writeHead(200);
      res.write(new Uint8Array(10));
    });
    const started = Date.now();
    const error = await refusal(
      downloadCapped(served.url, { maxBytes: 10_000, failure: FAILURE, timeoutMs: 150 }),
    );
    expect(error.key).toBe(FAILURE);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await hungUpWithin(served, 1000)).toBe(true);
  });

  it('gives up on a server that never answers after the timeout', async () => {
    const { url } = await serve(() => undefined);
    const error = await refusal(downloadCapped(url, { maxBytes: 10_000, failure: FAILURE, timeoutMs: 150 }));
    expect(error.key).toBe(FAILURE);
  });

  it('refuses an error status and a refused connection with the platform refusal', async () => {
    const { url } = await serve((res) => {
      res.writeHead(404);
      res.end('gone');
    });
    expect((await refusal(downloadCapped(url, { maxBytes: 10_000, failure: FAILURE }))).key).toBe(FAILURE);
    await stop();
    const refused = await refusal(
      downloadCapped(url, { maxBytes: 10_000, failure: 'errors.discord.download_failed' }),
    );
    expect(refused.key).toBe('errors.discord.download_failed');
  });

  describe('redirects', () => {
    let elsewhere: Server | undefined;
    afterEach(async () => {
      const running = elsewhere;
      elsewhere = undefined;
      running?.closeAllConnections();
      if (running) await new Promise((resolve) => running.close(resolve));
    });

    /** Another server (an internal service the redirect points at), counting the requests it gets. */
    async function internalService(): Promise<{ url: string; hits: () => number }> {
      let hits = 0;
      elsewhere = createServer((_req, res) => {
        hits += 1;
        res.end('internal secret');
      });
      await new Promise<void>((resolve) => elsewhere?.listen(0, '127.0.0.1', resolve));
      const { port } = elsewhere.address() as AddressInfo;
      return { url: `http://127.0.0.1:${port}/latest/meta-data`, hits: () => hits };
    }

    it('refuses a redirect to an address the caller does not allow, without fetching it', async () => {
      const internal = await internalService();
      const { url } = await serve((res) => {
        res.writeHead(302, { location: internal.url });
        res.end();
      });
      const sameOrigin = (next: URL) => next.origin === new URL(url).origin;
      for (const options of [{}, { mayFollow: sameOrigin }]) {
        const error = await refusal(downloadCapped(url, { maxBytes: 10_000, failure: FAILURE, ...options }));
        expect(error.key).toBe(FAILURE);
      }
      expect(internal.hits()).toBe(0);
    });

    it('follows a redirect the caller allows, and gives up on a loop', async () => {
      const { url } = await serve((res, req) => {
        if (req.url === '/file.png') res.writeHead(307, { location: '/moved.png' }).end();
        else if (req.url === '/moved.png') res.end('image bytes');
        else res.writeHead(302, { location: req.url }).end();
      });
      const sameOrigin = (next: URL) => next.origin === new URL(url).origin;
      const data = await downloadCapped(url, { maxBytes: 10_000, failure: FAILURE, mayFollow: sameOrigin });
      expect(Buffer.from(data).toString()).toBe('image bytes');
      const loop = new URL('/loop', url);
      const error = await refusal(
        downloadCapped(loop, { maxBytes: 10_000, failure: FAILURE, mayFollow: sameOrigin }),
      );
      expect(error.key).toBe(FAILURE);
    });
  });
});
