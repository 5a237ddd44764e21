// Redis answering slower than a run's lock lasts (DEBUG SLEEP 8 against a 4 s lock) while the run ends: BullMQ
// cannot close the run and reported it twice ("Missing lock for job … moveToFinished", for its completed and then
// its failed fallback). Said once, in words, with the job; the owner hears the job's end once. A renewal refused
// behind the sleep is said once as well, not at every renewal. DEBUG SLEEP stops
// the whole server, so Redis here is a server of the test's own: the shared one must never be put to sleep.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { WORK_QUEUE, workQueueOptions } from '../../../src/jobs/distributed/dispatcher.js';
import { GatedEngineDouble } from '../../doubles/gated-engine.js';
import { hasRedisServer, type OwnRedis, startOwnRedis } from './own-redis.js';
import { type Cluster, eventually, startCluster, submitImagine, until } from './redis-harness.js';

const available = hasRedisServer();
if (!available && process.env.CI !== 'true')
  process.stderr.write('redis-server is not installed: skipping the slow Redis lock test (CI fails here).\n');

let URL = '';
let own: OwnRedis | undefined;
let cluster: Cluster | undefined;

afterAll(async () => {
  await cluster?.close().catch(() => undefined);
  own?.server.kill('SIGKILL');
});

describe.skipIf(!available && process.env.CI !== 'true')(
  'distributed queue: Redis slower than the lock',
  () => {
    it('says a run that lost its lock once, with its job, and the owner hears its end once', async () => {
      own = await startOwnRedis(['--save', '', '--appendonly', 'no', '--enable-debug-command', 'yes']);
      URL = `redis://127.0.0.1:${own.port}`;
      const engine = new GatedEngineDouble();
      const lines: Array<{ message: string; fields?: Record<string, unknown> }> = [];
      cluster = await startCluster({
        frontEnds: 1,
        workers: 1,
        url: URL,
        engine: () => engine,
        log: (_level, message, fields) => void lines.push({ message, fields }),
      });
      const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
      const job = submitImagine(fe, { platform: 'discord', userId: 'slow' }, 'a slow redis');
      const mine = () => fe.events.filter((e) => e.job.id === job.id).map((e) => e.type);
      await until(() => mine().includes('started'), 20_000, 'the start');

      const sleeper = new Redis(URL);
      // Connected first: the sleep is then one write away, not behind a handshake.
      await sleeper.ping();
      const asleep = sleeper.call('DEBUG', 'SLEEP', '8');
      // The run's end reaches Redis behind the sleep, its lock (4 s) expired by then.
      await new Promise((resolve) => setTimeout(resolve, 300));
      engine.open();
      await asleep;
      sleeper.disconnect();

      await until(() => mine().includes('done'), 30_000, 'the end');
      // BullMQ's stalled check puts the unclosed run back, and its retry, finding the job ended, closes it.
      const work = new Queue(WORK_QUEUE, workQueueOptions(URL, cluster.prefix));
      await eventually(
        async () => {
          const counts = await work.getJobCounts('active', 'wait', 'delayed', 'prioritized');
          return Object.values(counts).every((n) => n === 0);
        },
        30_000,
        'the run closed',
      );
      await work.close();

      // BullMQ's own words, once for the completed and once for the failed fallback, are not what the log says.
      expect(lines.filter((l) => /Missing lock|could not renew/.test(String(l.fields?.error)))).toEqual([]);
      // A renewal refused behind the sleep is said once too, apart from the run's end.
      const told = lines.filter(
        (l) => /lock/i.test(l.message) && !/could not renew its lock/.test(l.message),
      );
      expect(told).toHaveLength(1);
      expect(lines.filter((l) => /could not renew its lock/.test(l.message)).length).toBeLessThanOrEqual(1);
      expect(told[0]?.message).toContain(job.id);
      expect(told[0]?.message).toContain('its owners told once');
      expect(mine().filter((type) => type === 'done')).toHaveLength(1);
    }, 90_000);
  },
);
