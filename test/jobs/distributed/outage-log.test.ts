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
});
