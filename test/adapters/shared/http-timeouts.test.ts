// How often Node sweeps a server's connections for its header and request limits: at most a second apart, so each
// limit holds to about a second, and never so often that a tiny limit turns the sweep into a busy loop.
import { createServer, get, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { limitConnections } from '../../../adapters/shared/http-timeouts.js';

const checkingInterval = (idleMs: number, headersMs?: number) => {
  const server = createServer();
  limitConnections(server, { idleMs, headersMs });
  return Reflect.get(server, 'connectionsCheckingInterval') as number;
};

describe('limitConnections', () => {
  it('sweeps every second, or as often as the header limit needs', () => {
    expect(checkingInterval(120_000)).toBe(1_000);
    expect(checkingInterval(600)).toBe(600);
    expect(checkingInterval(120_000, 250)).toBe(250);
  });

  it('never sweeps more often than every 100 ms, whatever the limits', () => {
    expect(checkingInterval(0)).toBe(100);
    expect(checkingInterval(120_000, 1)).toBe(100);
  });
});

const listening = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
const connected = (port: number) =>
  new Promise<Socket>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket)).once('error', reject);
  });
const answerOf = (port: number) =>
  new Promise<string>((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      res.setEncoding('utf8');
      let body = '';
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve(body));
    }).once('error', reject);
  });
const openConnections = (server: Server) =>
  new Promise<number>((resolve, reject) => server.getConnections((e, n) => (e ? reject(e) : resolve(n))));

describe('limitConnections with maxConnections', () => {
  it('keeps at most the cap open, a flood of silent sockets making way for a real request', async () => {
    const server = createServer((_req, res) => res.end('served'));
    limitConnections(server, { idleMs: 60_000, maxConnections: 4 });
    const port = await listening(server);
    const flood: Socket[] = [];
    try {
      for (let i = 0; i < 8; i += 1) flood.push((await connected(port)).on('error', () => undefined));
      expect(await answerOf(port)).toBe('served');
      await vi.waitFor(async () => expect(await openConnections(server)).toBeLessThanOrEqual(4), {
        timeout: 5000,
      });
      // The oldest silent ones went: the newest flood sockets are the ones still open.
      await vi.waitFor(
        () => expect(flood.slice(0, 5).every((s) => s.destroyed || s.readableEnded)).toBe(true),
        { timeout: 5000 },
      );
    } finally {
      for (const socket of flood) socket.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('keeps a connection whose request is in progress, closing a newcomer instead', async () => {
    let answer: (() => void) | undefined;
    const server = createServer((_req, res) => {
      answer = () => res.end('served');
    });
    limitConnections(server, { idleMs: 60_000, maxConnections: 1 });
    const port = await listening(server);
    try {
      const pending = answerOf(port);
      // Settled in the end; cut by the clean-up where an assertion failed first.
      pending.catch(() => undefined);
      await vi.waitFor(() => expect(answer).toBeDefined(), { timeout: 5000 });
      const newcomer = await connected(port);
      await vi.waitFor(() => expect(newcomer.destroyed).toBe(true), { timeout: 5000 });
      answer?.();
      expect(await pending).toBe('served');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
  it('keeps a pipelining connection busy while its second request runs after the first was answered', async () => {
    let answerSecond: (() => void) | undefined;
    const server = createServer((req, res) => {
      if (req.url === '/first') res.end('first');
      else answerSecond = () => res.end('second');
    });
    limitConnections(server, { idleMs: 60_000, maxConnections: 1 });
    const port = await listening(server);
    try {
      const pipelining = await connected(port);
      let received = '';
      pipelining.setEncoding('utf8').on('data', (chunk: string) => {
        received += chunk;
      });
      // Both requests in one write: Node reads the second while the first is answered.
      pipelining.write('GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n');
      await vi.waitFor(() => expect(received).toContain('first'), { timeout: 5000 });
      await vi.waitFor(() => expect(answerSecond).toBeDefined(), { timeout: 5000 });
      const newcomer = (await connected(port)).on('error', () => undefined);
      await vi.waitFor(() => expect(newcomer.destroyed).toBe(true), { timeout: 5000 });
      expect(pipelining.destroyed).toBe(false);
      answerSecond?.();
      await vi.waitFor(() => expect(received).toContain('second'), { timeout: 5000 });
      pipelining.destroy();
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
