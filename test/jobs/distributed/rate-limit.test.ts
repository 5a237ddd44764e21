// RATE_LIMIT_PER_MINUTE with several front-ends on one shared queue: the user's window lives in Redis, checked and
// counted in one script, so front-ends behind one bot give a user the limit once, not once each.
import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Commands, type CommandsConfig } from '../../../commands/commands.js';
import { RateLimiter } from '../../../commands/rate-limit.js';
import type { Reply } from '../../../commands/reply.js';
import { takeSharedRateSlot } from '../../../src/jobs/distributed/rate-slots.js';
import { SharedState } from '../../../src/jobs/distributed/shared-state.js';
import { type Cluster, REDIS_URL, skipWithoutRedis, startCluster } from './redis-harness.js';

const skip = await skipWithoutRedis();

let cluster: Cluster | undefined;

afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

function config(rateLimitPerMinute: number): CommandsConfig {
  return {
    defaultLocale: 'en',
    limits: { rateLimitPerMinute, maxInputBytes: 200_000, maxInputPixels: 1_000_000, blockedWords: [] },
  };
}

/** One `Commands` per front-end, as each front-end process builds its own. */
function commandsOf(fe: Cluster['frontEnds'][number], perMinute: number): Commands {
  return new Commands({ queue: fe.queue, store: fe.store, config: config(perMinute) });
}

function imagine(commands: Commands, userId: string, prompt: string): Promise<Reply> {
  const ctx = commands.context({ user: { platform: 'discord', userId }, scope: 'guild:1', language: 'en' });
  return commands.run(ctx, { name: 'imagine', options: { prompt } });
}

const keyOf = (reply: Reply) => reply.text[0]?.key;

/** Queued (the wording differs while no worker has measured a pace yet) or refused by the rate limit. */
function outcome(reply: Reply): string | undefined {
  if (reply.startsJob) return 'queued';
  return keyOf(reply) === 'errors.rate_limited' ? 'refused' : keyOf(reply);
}

describe.skipIf(skip)('rate limit over a shared queue', () => {
  it('gives a user the limit once across two front-ends, even when both are asked at the same moment', async () => {
    cluster = await startCluster({ frontEnds: 2, workers: 0 });
    const [a, b] = cluster.frontEnds.map((fe) => commandsOf(fe, 3)) as [Commands, Commands];
    const replies = await Promise.all(
      [0, 1, 2, 3, 4, 5].map((i) => imagine(i % 2 === 0 ? a : b, 'u1', `fox ${i}`)),
    );
    const outcomes = replies.map(outcome).sort();
    expect(outcomes).toEqual(['queued', 'queued', 'queued', 'refused', 'refused', 'refused']);
    const refused = replies.find((r) => keyOf(r) === 'errors.rate_limited') as Reply;
    // The same words as one process says them: when the oldest counted submission leaves the minute.
    expect(refused.text[0]?.params?.when).toMatch(/^in (\d+ seconds|1 minute)$/);
    // Another user's window is their own.
    expect(outcome(await imagine(b, 'u2', 'an owl'))).toBe('queued');
  });

  it('keeps each window under the queue prefix, expiring a minute after its newest entry', async () => {
    cluster = await startCluster({ frontEnds: 1, workers: 0 });
    const { probe } = cluster;
    const slot = await takeSharedRateSlot(probe, { user: 'discord:u1', limit: 2, windowMs: 60_000 });
    expect(slot.ok).toBe(true);
    const ttl = await probe.redis.pttl(probe.key('rate', 'discord:u1'));
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('gives a slot back to every front-end when its submission is refused, and counts an exempt one', async () => {
    cluster = await startCluster({ frontEnds: 1, workers: 0 });
    const other = new SharedState(REDIS_URL, cluster.prefix);
    try {
      // A front-end's state is connected before it takes submissions.
      await ready(other);
      const request = { user: 'discord:u1', limit: 1, windowMs: 60_000 };
      const first = await takeSharedRateSlot(cluster.probe, request);
      if (!first.ok) throw new Error('refused');
      const second = await takeSharedRateSlot(other, request);
      expect(second.ok).toBe(false);
      if (!second.ok) expect(second.retryAfterMs).toBeGreaterThan(59_000);
      await first.release();
      expect((await takeSharedRateSlot(other, request)).ok).toBe(true);
      expect((await takeSharedRateSlot(other, { ...request, exempt: true })).ok).toBe(true);
      expect(await cluster.probe.redis.zcard(cluster.probe.key('rate', 'discord:u1'))).toBe(2);
    } finally {
      await other.close();
    }
  });
});

function ready(state: SharedState): Promise<void> {
  if (state.redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => state.redis.once('ready', () => resolve()));
}

/** How many commands (RESP arrays of bulk strings) a chunk from the client holds. */
function commandCount(text: string): number {
  const lines = text.split('\r\n');
  let count = 0;
  for (let i = 0; i < lines.length; ) {
    const line = lines[i] as string;
    if (line.startsWith('*')) {
      count++;
      i += 1 + 2 * Number(line.slice(1));
    } else i++;
  }
  return count;
}

describe('rate limit when the shared queue cannot be reached', () => {
  it('fails open to the front-end’s own count while Redis is down', async () => {
    // Nothing listens on port 1: the connection never comes up.
    const state = new SharedState('redis://127.0.0.1:1', 'dimoo-test-down');
    try {
      const limiter = new RateLimiter(2, (request) => takeSharedRateSlot(state, request));
      const started = Date.now();
      expect((await limiter.take('discord:u1', 1_000_000)).ok).toBe(true);
      expect((await limiter.take('discord:u1', 1_001_000)).ok).toBe(true);
      expect(await limiter.take('discord:u1', 1_002_000)).toEqual({ ok: false, retryAfterMs: 58_000 });
      // Not held until Redis comes back.
      expect(Date.now() - started).toBeLessThan(500);
    } finally {
      state.redis.disconnect();
    }
  });

  it('fails open within a second when a connected Redis stops answering', async () => {
    // Answers every command (+OK) until the client is ready, then nothing: a server that hangs mid-connection.
    let silent = false;
    const sockets: Socket[] = [];
    const server = createServer((socket) => {
      sockets.push(socket);
      socket.on('data', (data) => {
        if (!silent) socket.write('+OK\r\n'.repeat(commandCount(data.toString())));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const state = new SharedState(`redis://127.0.0.1:${port}`, 'dimoo-test-silent');
    try {
      await ready(state);
      silent = true;
      const limiter = new RateLimiter(1, (request) => takeSharedRateSlot(state, request));
      const started = Date.now();
      expect((await limiter.take('discord:u1', 1_000_000)).ok).toBe(true);
      expect(Date.now() - started).toBeLessThan(2000);
      expect((await limiter.take('discord:u1', 1_001_000)).ok).toBe(false);
    } finally {
      state.redis.disconnect();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
