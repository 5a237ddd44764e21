// Redis refusing QUEUE_URL's credentials is met by every connection of the queue (BullMQ's, the subscriber's), in any
// order under load: whichever reports it first, it goes to the role's own handler (which words it as the start's one
// line), never to the connection's raw "work queue error" warning. Seen on CI: a BullMQ connection's NOAUTH warning
// logged beside the start's line.
import { ReplyError } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { SharedState } from '../../../src/jobs/distributed/shared-state.js';
import { freePort } from '../../ports.js';

describe('a credentials refusal met by another connection of the queue', () => {
  it("goes to the role's handler, not to that connection's own report; other errors stay with it", async () => {
    const role: string[] = [];
    // Nothing listens there: the state's own connection only retries, reporting to `role` what it meets.
    const state = new SharedState(`redis://127.0.0.1:${await freePort()}`, 'credentials-any', (e) => {
      role.push(e.message);
    });
    try {
      const raw: string[] = [];
      const report = (e: Error) => void raw.push(e.message);
      state.connectionError(
        new ReplyError('NOAUTH HELLO must be called with the client already authenticated'),
        report,
      );
      state.connectionError(
        new ReplyError('WRONGPASS invalid username-password pair or user is disabled.'),
        report,
      );
      expect(raw).toEqual([]);
      expect(role.filter((m) => /^(NOAUTH|WRONGPASS)/.test(m))).toHaveLength(1);
      const other = new Error('read ECONNRESET');
      Object.defineProperty(state.redis, 'status', { value: 'ready', configurable: true });
      state.connectionError(other, report);
      expect(raw).toEqual(['read ECONNRESET']);
    } finally {
      state.redis.disconnect();
    }
  });
});
