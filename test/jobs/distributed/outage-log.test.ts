// While Redis cannot be reached, ioredis retries every connection up to every 2 s and reports each failure: once
// logged as it came, a minute's outage wrote dozens of lines per connection. One line per outage is told, without
// the password of QUEUE_URL.
import { createServer, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { SharedState } from '../../../src/jobs/distributed/shared-state.js';

describe('distributed queue: Redis unreachable', () => {
  it('logs one connection error per outage, for all of a process’s connections, naming no password', async () => {
    const told: string[] = [];
    // Nothing listens on port 1: every try is refused at once.
    const state = new SharedState('redis://:hunter2-secret@127.0.0.1:1', 'outage', (error) =>
      told.push(error.message),
    );
    const subscriber = state.subscriber('outage-test');
    const bullmq: string[] = [];
    try {
      await new Promise((resolve) => setTimeout(resolve, 3000));
      // BullMQ's connections report through the same gate.
      state.connectionError(new Error('connect ECONNREFUSED'), (e) => bullmq.push(e.message));
      expect(told).toHaveLength(1);
      expect(told[0]).toContain('ECONNREFUSED');
      expect(told.join(' ')).not.toContain('hunter2');
      expect(bullmq).toEqual([]);
    } finally {
      subscriber.disconnect();
      state.redis.disconnect();
    }
  });

  it('an error of another connection while Redis answers does not silence the next outage’s first line', async () => {
    const told: string[] = [];
    const state = new SharedState('redis://127.0.0.1:6379', 'outage-after-lock', (error) =>
      told.push(error.message),
    );
    try {
      await new Promise<void>((resolve) => state.redis.once('ready', () => resolve()));
      // A BullMQ lock lost while this process's connection answers: said, and no outage.
      state.connectionError(new Error('Missing lock for job 1'));
      // Then this connection goes down: the outage's first error is said too.
      const ended = new Promise<void>((resolve) => state.redis.once('end', () => resolve()));
      state.redis.disconnect();
      await ended;
      expect(state.redis.status).not.toBe('ready');
      state.connectionError(new Error('connect ECONNREFUSED'));
      expect(told).toEqual(['Missing lock for job 1', 'connect ECONNREFUSED']);
    } finally {
      state.redis.disconnect();
    }
  });

  describe('QUEUE_URL naming a server that is not Redis', () => {
    /** A local server answering every connection as `greet` does; resolves its port once it listens. */
    async function notRedis(greet: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
      const server = createServer(greet);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      return { server, port: address.port };
    }

    async function toldOver(greet: (socket: Socket) => void): Promise<{ told: string[]; port: number }> {
      let connections = 0;
      let thirdTry: () => void = () => undefined;
      const tried = new Promise<void>((resolve) => {
        thirdTry = resolve;
      });
      const { server, port } = await notRedis((socket) => {
        connections += 1;
        greet(socket);
        if (connections === 3) thirdTry();
      });
      const told: string[] = [];
      const state = new SharedState(`redis://:hunter2-secret@127.0.0.1:${port}`, 'not-redis', (error) =>
        told.push(error.message),
      );
      // ioredis's own commands fail on a foreign reply; they are not what this test reads.
      state.clock.synced.catch(() => undefined);
      try {
        await tried;
        return { told, port };
      } finally {
        state.clock.stop();
        state.redis.disconnect();
        // Not awaited: close's callback waits for sockets the client may still hold half-open.
        server.close();
      }
    }

    it('says once that a server closing every connection unanswered (PostgreSQL, a proxy with nothing behind) is not Redis', async () => {
      const { told, port } = await toldOver((socket) => socket.end());
      expect(told).toEqual([
        expect.stringContaining(
          `127.0.0.1:${port} closed the connection without answering (not Redis, or nothing behind a proxy)`,
        ),
      ]);
      expect(told[0]).toContain('check QUEUE_URL');
      expect(told.join(' ')).not.toContain('hunter2');
    });

    it('judges the server by its own connection only: another’s error mid-handshake is said as it came', async () => {
      // A server that takes the connection and never answers: ioredis's first command waits, mid-handshake.
      const sockets: Socket[] = [];
      const { server, port } = await notRedis((socket) => void sockets.push(socket));
      const state = new SharedState(`redis://127.0.0.1:${port}`, 'not-redis-other');
      state.clock.synced.catch(() => undefined);
      try {
        await new Promise<void>((resolve) => state.redis.once('connect', () => resolve()));
        const bullmq: string[] = [];
        state.connectionError(new Error('Missing lock for job 1'), (e) => bullmq.push(e.message));
        expect(bullmq).toEqual(['Missing lock for job 1']);
      } finally {
        state.clock.stop();
        state.redis.disconnect();
        for (const socket of sockets) socket.destroy();
        server.close();
      }
    });

    it('says once that a server greeting in another protocol (RabbitMQ) is not Redis', async () => {
      const { told, port } = await toldOver((socket) => socket.end('AMQP\x00\x00\x09\x01'));
      expect(told).toEqual([
        expect.stringContaining(`127.0.0.1:${port} took the connection but does not answer`),
      ]);
    });
  });
});
