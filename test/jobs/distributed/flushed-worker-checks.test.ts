// The edges of a worker's FLUSHDB handling (flushed-worker.test.ts has the plain case). A read that fails while the
// worker checks its jobs in hand must not leave a lost one running: the watch says the loss only once, so the worker
// checks again until a check goes through. And a FLUSHDB between a job's admission and its start must not bring its
// record back as running (a plain SET would): the job is lost, never run, and its owner hears only of the loss.
// Redis here is a server of the test's own: the shared one is never flushed.
import { Redis, ReplyError } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { DATA_CHECK_MS } from '../../../src/jobs/distributed/data-watch.js';
import { SharedState } from '../../../src/jobs/distributed/shared-state.js';
import type { DistributedWorker } from '../../../src/jobs/distributed/worker.js';
import { SlowPromptEngineDouble } from '../../doubles/slow-prompt-engine.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { hasRedisServer, type OwnRedis, startOwnRedis } from './own-redis.js';
import { type Cluster, startCluster, submitImagine, until, workerOnRedis } from './redis-harness.js';

const available = hasRedisServer();
if (!available && process.env.CI !== 'true')
  process.stderr.write(
    'redis-server is not installed: skipping the worker FLUSHDB checks (CI fails here).\n',
  );

let own: OwnRedis | undefined;
let cluster: Cluster | undefined;
let worker: DistributedWorker | undefined;
let workerState: SharedState | undefined;

afterEach(async () => {
  await worker?.close(5000).catch(() => undefined);
  await workerState?.close().catch(() => undefined);
  await cluster?.close().catch(() => undefined);
  own?.server.kill('SIGKILL');
  worker = undefined;
  workerState = undefined;
  cluster = undefined;
  own = undefined;
});

/**
 * A front-end and one worker on a Redis of the test's own; the worker's state is returned so a test can put a test
 * double around one of its reads before the worker runs anything.
 */
async function ownCluster(engine: TimedEngineDouble, lines: string[]) {
  own = await startOwnRedis(['--save', '', '--appendonly', 'no']);
  const url = `redis://127.0.0.1:${own.port}`;
  cluster = await startCluster({ frontEnds: 1, workers: 0, url, maxBatch: 1 });
  const state = new SharedState(url, cluster.prefix);
  workerState = state;
  const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
  const start = async () => {
    worker = await workerOnRedis(state, engine, { url, maxBatch: 1, log: (_l, m) => void lines.push(m) });
    fe.queue.start();
  };
  return { url, fe, state, probe: cluster.probe, start };
}

async function flush(url: string): Promise<void> {
  const admin = new Redis(url);
  try {
    await admin.flushdb();
  } finally {
    admin.disconnect();
  }
}

describe.skipIf(!available && process.env.CI !== 'true')(
  'distributed queue: FLUSHDB under a worker, edges',
  () => {
    it('stops a lost job even when the first check of the jobs in hand fails', {
      timeout: 60_000,
    }, async () => {
      const engine = new SlowPromptEngineDouble(5, 3);
      const lines: string[] = [];
      const { url, fe, state, start } = await ownCluster(engine, lines);
      await start();
      const dead = submitImagine(fe, { platform: 'telegram', userId: '1' }, 'a slow heron');
      await until(
        () => fe.events.some((e) => e.job.id === dead.id && e.type === 'started'),
        10_000,
        'the start',
      );
      // Test double: the worker's next read of a job record is refused, as Redis loading its data set answers.
      const real = state.readJob.bind(state);
      let refusals = 1;
      state.readJob = async (id) => {
        if (refusals-- > 0) throw new ReplyError('LOADING Redis is loading the dataset in memory');
        return real(id);
      };
      await flush(url);
      const flushedAt = Date.now();

      // Without a second check the slow job ran out its minute.
      await until(() => engine.slowEndedAt !== undefined, DATA_CHECK_MS + 5000, 'the lost job stopped');
      expect(refusals).toBeLessThan(1);
      expect((engine.slowEndedAt as number) - flushedAt).toBeLessThan(DATA_CHECK_MS + 3500);
      expect(
        lines.filter((m) => /checking the jobs in hand after the data loss failed/.test(m)),
      ).toHaveLength(1);
      const next = submitImagine(fe, { platform: 'telegram', userId: '2' }, 'a quick egret');
      await until(
        () => fe.events.some((e) => e.job.id === next.id && e.type === 'done'),
        10_000,
        'the next job',
      );
    });

    it('a job whose record went between its admission and its start is lost, not brought back', {
      timeout: 60_000,
    }, async () => {
      const engine = new TimedEngineDouble(5, 3);
      const lines: string[] = [];
      const { url, fe, state, probe, start } = await ownCluster(engine, lines);
      // Test double: the FLUSHDB lands while the worker admits the job, after it read the record (its cancel flag is
      // read next, and the start-of-run record written after that).
      const real = state.cancelRequested.bind(state);
      let flushed = false;
      state.cancelRequested = async (id) => {
        if (!flushed) {
          flushed = true;
          await flush(url);
        }
        return real(id);
      };
      await start();
      const lost = submitImagine(fe, { platform: 'telegram', userId: '1' }, 'a heron');
      const typesOf = (id: string) => fe.events.filter((e) => e.job.id === id).map((e) => e.type);
      // Its owner hears of the loss from the front-end's own watch.
      await until(() => typesOf(lost.id).includes('failed'), DATA_CHECK_MS + 5000, 'the owner told');
      expect(flushed).toBe(true);
      // The worker runs one run at a time: once the next job is done, the lost one's run has ended.
      const next = submitImagine(fe, { platform: 'telegram', userId: '2' }, 'an egret');
      await until(() => typesOf(next.id).includes('done'), 10_000, 'the next job');

      expect(await probe.readJob(lost.id)).toBeUndefined();
      expect(engine.started.map((r) => ('prompt' in r ? r.prompt : ''))).toEqual(['an egret']);
      expect(typesOf(lost.id)).not.toContain('started');
      expect(typesOf(lost.id)).not.toContain('done');
    });
  },
);
