// A FLUSHDB while a worker has a job with the engine, every connection staying up: the job's record and run went
// with the data, so its result would be dropped at its end (FINISH takes a missing record as already ended) while
// the worker, running one run at a time, kept the jobs submitted since waiting. The worker's data watch
// (data-watch.ts; sooner once the run's lock cannot be renewed) stops it, the next job runs, and the log says so in
// one line each rather than BullMQ's raw renewal and close errors at every renewal. Redis here is a server of the
// test's own: the shared one is never flushed. A fresh start on an empty Redis is no loss.
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DATA_CHECK_MS,
  DATA_GONE_LOG,
  DATA_GONE_WORKER_LOG,
} from '../../../src/jobs/distributed/data-watch.js';
import { SlowPromptEngineDouble } from '../../doubles/slow-prompt-engine.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { hasRedisServer, type OwnRedis, startOwnRedis } from './own-redis.js';
import { type Cluster, startCluster, submitImagine, until } from './redis-harness.js';

const available = hasRedisServer();
if (!available && process.env.CI !== 'true')
  process.stderr.write('redis-server is not installed: skipping the worker FLUSHDB test (CI fails here).\n');

interface Line {
  message: string;
  fields?: Record<string, unknown>;
}

let own: OwnRedis | undefined;
let cluster: Cluster | undefined;

afterEach(async () => {
  await cluster?.close().catch(() => undefined);
  own?.server.kill('SIGKILL');
  cluster = undefined;
  own = undefined;
});

async function ownCluster(
  engine: TimedEngineDouble,
  lines: Line[],
): Promise<{ url: string; cluster: Cluster }> {
  own = await startOwnRedis(['--save', '', '--appendonly', 'no']);
  const url = `redis://127.0.0.1:${own.port}`;
  cluster = await startCluster({
    frontEnds: 1,
    workers: 1,
    url,
    maxBatch: 1,
    engine: () => engine,
    log: (_level, message, fields) => void lines.push({ message, fields }),
  });
  return { url, cluster };
}

describe.skipIf(!available && process.env.CI !== 'true')('distributed queue: FLUSHDB under a worker', () => {
  it('stops the job whose record is gone, runs the next one, and says so once', {
    timeout: 60_000,
  }, async () => {
    const engine = new SlowPromptEngineDouble(5, 3);
    const lines: Line[] = [];
    const { url, cluster } = await ownCluster(engine, lines);
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    fe.queue.start();
    const dead = submitImagine(fe, { platform: 'telegram', userId: '1' }, 'a slow heron');
    const typesOf = (id: string) => fe.events.filter((e) => e.job.id === id).map((e) => e.type);
    await until(() => typesOf(dead.id).includes('started'), 10_000, 'the slow job to start');
    const admin = new Redis(url);
    try {
      await admin.flushdb();
    } finally {
      admin.disconnect();
    }
    const flushedAt = Date.now();
    const next = submitImagine(fe, { platform: 'telegram', userId: '2' }, 'a quick egret');

    // Without the worker's watch the next job waited out the dead one's minute.
    await until(() => typesOf(next.id).includes('done'), 20_000, 'the next job to run');
    expect(engine.slowEndedAt).toBeDefined();
    // Noticed at a failed renewal (the 4 s lock's) or the watch's tick, then within a step of 1 s.
    expect((engine.slowEndedAt as number) - flushedAt).toBeLessThan(DATA_CHECK_MS + 2500);
    // Its owner was told by the front-end's own watch, and never of an end the worker could not keep.
    await until(() => typesOf(dead.id).includes('failed'), 10_000, 'the owner told');
    expect(typesOf(dead.id)).not.toContain('done');
    expect(typesOf(dead.id)).not.toContain('cancelled');

    // Once the run has ended here, BullMQ's close of it (gone with the data) has been tried and explained.
    await until(() => lines.some((l) => /was gone from Redis/.test(l.message)), 10_000, 'the run explained');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(lines.filter((l) => l.message === DATA_GONE_WORKER_LOG)).toHaveLength(1);
    expect(lines.filter((l) => l.message === DATA_GONE_LOG)).toHaveLength(1);
    const raw = lines.filter((l) =>
      /could not renew lock|Missing key|Missing lock/.test(String(l.fields?.error)),
    );
    expect(raw).toEqual([]);
    const aboutRun = lines.filter((l) => (l.fields?.jobIds as string[] | undefined)?.includes(dead.id));
    expect(aboutRun.length).toBeGreaterThan(0);
    expect(new Set(aboutRun.map((l) => l.message)).size).toBe(aboutRun.length);
    expect(aboutRun.filter((l) => /was gone from Redis/.test(l.message))).toHaveLength(1);
  });

  it('a fresh start on an empty Redis is no loss to the front-end or the worker', {
    timeout: 30_000,
  }, async () => {
    const lines: Line[] = [];
    const { cluster } = await ownCluster(new TimedEngineDouble(5, 3), lines);
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    fe.queue.start();
    const job = submitImagine(fe, { platform: 'telegram', userId: '1' }, 'a heron');
    await until(() => fe.events.some((e) => e.job.id === job.id && e.type === 'done'), 10_000, 'the job');
    // Past the watches' second look, the first one that compares with a mark read before.
    await new Promise((resolve) => setTimeout(resolve, DATA_CHECK_MS + 500));
    const logged = lines.map((l) => l.message);
    expect(logged).not.toContain(DATA_GONE_LOG);
    expect(logged).not.toContain(DATA_GONE_WORKER_LOG);
  });
});
