// A Redis that refuses QUEUE_URL's credentials answers (WRONGPASS, NOAUTH) and ioredis then closes the connection
// itself: that close was said as "closed the connection without answering (not Redis…)", a line the operator could
// read instead of the credentials one. Redis here is a server of the test's own with requirepass.
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { watchHandshake } from '../../../src/jobs/distributed/redis-handshake.js';
import { hasRedisServer, ownRedisAskingFor } from './own-redis.js';

const available = hasRedisServer();
const PASSWORD = 'right-password-of-some-length';
const ownPort = ownRedisAskingFor(PASSWORD);

/** What the handshake reports for `url` through one refused connection, up to ioredis's reconnection. */
async function reportsOf(url: (port: number) => string): Promise<string[]> {
  const redis = new Redis(url(ownPort()), { maxRetriesPerRequest: null, lazyConnect: true });
  const reports: string[] = [];
  watchHandshake(
    redis,
    (error) => void reports.push(error.message),
    () => reports.push('ready'),
  );
  // Emitted after the connection's close is handled: every report of that connection is in.
  const reconnecting = new Promise<void>((resolve) => redis.once('reconnecting', () => resolve()));
  redis.connect().catch(() => undefined);
  await reconnecting;
  redis.disconnect();
  return reports;
}

describe.skipIf(!available && process.env.CI !== 'true')(
  'the handshake with a Redis refusing credentials',
  () => {
    it('no password: the NOAUTH refusal only, never "not Redis"', async () => {
      const reports = await reportsOf((port) => `redis://127.0.0.1:${port}`);
      expect(reports).toEqual([expect.stringMatching(/^NOAUTH\b/)]);
    });

    it('a wrong password: the WRONGPASS refusal only, never "not Redis"', async () => {
      const reports = await reportsOf((port) => `redis://:wrong@127.0.0.1:${port}`);
      expect(reports).toEqual([expect.stringMatching(/^WRONGPASS\b/)]);
    });
  },
);
