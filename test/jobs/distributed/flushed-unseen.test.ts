// A FLUSHDB that no reconnection follows: every connection stays up, so no catch-up was triggered, and the jobs a
// front-end held as running or waiting stayed so until its next reconnection or restart. Each front-end's data watch
// (data-watch.ts) notices the loss and its jobs end as after a reconnection: the running one queue_lost, the waiting
// ones lost_before_running. Two front-ends: the one whose check finds the mark second still notices. Redis here is
// a server of the test's own: the shared one is never flushed.
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { DATA_GONE_LOG } from '../../../src/jobs/distributed/data-watch.js';
import { GatedEngineDouble } from '../../doubles/gated-engine.js';
import { hasRedisServer, type OwnRedis, startOwnRedis } from './own-redis.js';
import { type Cluster, startCluster, submitImagine, until } from './redis-harness.js';

const available = hasRedisServer();
if (!available && process.env.CI !== 'true')
  process.stderr.write('redis-server is not installed: skipping the unseen FLUSHDB test (CI fails here).\n');

let own: OwnRedis | undefined;
let cluster: Cluster | undefined;
const engine = new GatedEngineDouble();

afterEach(async () => {
  engine.open();
  await cluster?.close().catch(() => undefined);
  own?.server.kill('SIGKILL');
  cluster = undefined;
  own = undefined;
});

const endOf = (fe: Cluster['frontEnds'][number], id: string) =>
  fe.events.find((e) => e.job.id === id && e.type === 'failed')?.job.error?.key;

describe.skipIf(!available && process.env.CI !== 'true')(
  'distributed queue: FLUSHDB with no reconnection',
  () => {
    it('ends the running job queue_lost and the waiting ones lost_before_running, at every front-end', {
      timeout: 60_000,
    }, async () => {
      own = await startOwnRedis(['--save', '', '--appendonly', 'no']);
      const url = `redis://127.0.0.1:${own.port}`;
      const logged: string[] = [];
      cluster = await startCluster({
        frontEnds: 2,
        workers: 1,
        url,
        maxBatch: 1,
        engine: () => engine,
        log: (_level, message) => void logged.push(message),
      });
      const [a, b] = cluster.frontEnds as [Cluster['frontEnds'][number], Cluster['frontEnds'][number]];
      a.queue.start();
      b.queue.start();
      const running = submitImagine(a, { platform: 'telegram', userId: '1' }, 'a heron');
      await until(
        () => a.events.some((e) => e.job.id === running.id && e.type === 'started'),
        10_000,
        'started',
      );
      const waitingA = submitImagine(a, { platform: 'telegram', userId: '2' }, 'an egret');
      const waitingB = submitImagine(b, { platform: 'telegram', userId: '3' }, 'a stork');
      await a.queue.flush();
      await b.queue.flush();
      const admin = new Redis(url);
      try {
        await admin.flushdb();
      } finally {
        admin.disconnect();
      }
      await until(
        () => [endOf(a, running.id), endOf(a, waitingA.id), endOf(b, waitingB.id)].every(Boolean),
        20_000,
        'every job to end',
      );
      expect([endOf(a, running.id), endOf(a, waitingA.id), endOf(b, waitingB.id)]).toEqual([
        'errors.job.queue_lost',
        'errors.job.lost_before_running',
        'errors.job.lost_before_running',
      ]);
      expect(a.store.get(waitingA.id)?.status).toBe('failed');
      // Noticed by each front-end's own watch: no connection dropped, so no reconnection's catch-up did it.
      expect(logged).not.toContain('reconnected to the shared queue; catching up on missed job events');
      expect(logged.filter((line) => line === DATA_GONE_LOG)).toHaveLength(2);
    });
  },
);
