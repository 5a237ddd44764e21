// The playground's shutdown ends its event streams before it destroys the connections: the last events (the bot
// saying it restarts) are often still buffered behind a large preview, and a connection destroyed at once lost them.
import { createServer, get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { EventStreams } from '../../../adapters/web/sse.js';

describe('EventStreams.closeAll', () => {
  it('hands every buffered event to the connection before the server destroys it', async () => {
    const streams = new EventStreams();
    let opened: () => void = () => {};
    const streamOpen = new Promise<void>((resolve) => {
      opened = resolve;
    });
    const server = createServer((req, res) => {
      streams.open('u1', 'en', req, res);
      opened();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const received = new Promise<string>((resolve) => {
      get({ host: '127.0.0.1', port, path: '/' }, (res: IncomingMessage) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('close', () => resolve(text));
      });
    });
    await streamOpen;
    // A preview's worth and more: far beyond what the socket takes at once, so most of it waits in Node's buffer.
    streams.send('u1', () => ({ preview: 'x'.repeat(8_000_000) }));
    streams.send('u1', () => ({ lines: ['The bot is restarting.'] }));
    await streams.closeAll();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
    const events = (await received).split('\n\n').filter((e) => e.startsWith('data: '));
    expect(events.map((e) => Object.keys(JSON.parse(e.slice(6)) as object))).toEqual([
      ['preview'],
      ['lines'],
    ]);
  });
});
