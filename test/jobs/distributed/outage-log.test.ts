// While Redis cannot be reached, ioredis retries every connection up to every 2 s and reports each failure: once
// logged as it came, a minute's outage wrote dozens of lines per connection. One line per outage is told, without
// the password of QUEUE_URL.
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
});
