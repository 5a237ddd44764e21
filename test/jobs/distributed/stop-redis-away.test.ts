// `npm start` with QUEUE_URL stopped while Redis is away: the front-end's goodbyes to Redis (the dispatcher's lease,
// BullMQ's connections) waited for its return, and SIGINT never ended the process. Redis here is a server of the
// test's own, killed with -9: the shared one must never be stopped.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { FrontQueue } from '../../../src/jobs/distributed/front-queue.js';
import { SharedState } from '../../../src/jobs/distributed/shared-state.js';
import { createLogger } from '../../../src/log.js';
import { openServices } from '../../../src/services.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { hasRedisServer, type OwnRedis, startOwnRedis } from './own-redis.js';
import { until, workerOnRedis } from './redis-harness.js';

const available = hasRedisServer();
if (!available && process.env.CI !== 'true')
  process.stderr.write(
    'redis-server is not installed: skipping the stop-with-Redis-away test (CI fails here).\n',
  );

const ARGS = ['--save', '', '--appendonly', 'no'];
let own: OwnRedis | undefined;

afterEach(() => {
  own?.server.kill('SIGKILL');
  own = undefined;
});

describe.skipIf(!available && process.env.CI !== 'true')(
  'distributed queue: a front-end stopped while Redis is away',
  () => {
    it('stops within SHUTDOWN_GRACE_S, saying the shared queue did not answer', async () => {
      own = await startOwnRedis(ARGS);
      const URL = `redis://127.0.0.1:${own.port}`;
      const lines: Array<{ msg: string }> = [];
      const log = createLogger({
        level: 'info',
        pretty: false,
        destination: { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }) },
      });
      const config = loadConfig({
        QUEUE_URL: URL,
        QUEUE_PREFIX: 'stop-redis-away',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'dimoo-stop-away-')),
        SHUTDOWN_GRACE_S: '2',
      });
      const services = await openServices(config, log);
      services.start();
      own.server.kill('SIGKILL');
      await until(() => lines.some((l) => l.msg === 'shared queue connection'), 20_000, 'the outage line');
      await services.close();
      expect(lines.map((l) => l.msg)).toContain(
        'the shared queue did not answer while stopping: stopped without it',
      );
    }, 40_000);

    it('says how long it actually waited, not only the bound it waited for', async () => {
      own = await startOwnRedis(ARGS);
      const lines: Array<{ msg: string; waitedMs?: number; boundMs?: number }> = [];
      const log = createLogger({
        level: 'info',
        pretty: false,
        destination: { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }) },
      });
      const config = loadConfig({
        QUEUE_URL: `redis://127.0.0.1:${own.port}`,
        QUEUE_PREFIX: 'stop-redis-away-waited',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'dimoo-stop-away-')),
        SHUTDOWN_GRACE_S: '2',
      });
      const services = await openServices(config, log);
      services.start();
      own.server.kill('SIGKILL');
      await until(() => lines.some((l) => l.msg === 'shared queue connection'), 20_000, 'the outage line');
      // A loaded machine: the event loop busy across the bound's end fires its timer 1.5 s late.
      const stop = FrontQueue.prototype.stop;
      const spy = vi.spyOn(FrontQueue.prototype, 'stop').mockImplementation(function (this: FrontQueue) {
        setTimeout(() => {
          const busyUntil = Date.now() + 2500;
          while (Date.now() < busyUntil);
        }, 1000);
        return stop.call(this);
      });
      try {
        await services.close();
      } finally {
        spy.mockRestore();
      }
      const said = lines.find(
        (l) => l.msg === 'the shared queue did not answer while stopping: stopped without it',
      );
      expect(said?.boundMs).toBe(2000);
      expect(said?.waitedMs).toBeGreaterThanOrEqual(3000);
    }, 40_000);

    // An idle worker's BullMQ goodbye was a QUIT waiting for Redis: the whole grace was waited, then a warning
    // told of an aborted job that did not stop, with no job in hand.
    it('stops an idle worker without a word of an aborted job', async () => {
      own = await startOwnRedis(ARGS);
      const url = `redis://127.0.0.1:${own.port}`;
      const lines: string[] = [];
      const state = new SharedState(url, 'stop-redis-away-worker');
      const worker = await workerOnRedis(state, new TimedEngineDouble(5, 3), {
        url,
        log: (_level, message) => void lines.push(message),
      });
      own.server.kill('SIGKILL');
      await until(() => state.redis.status !== 'ready', 10_000, 'the connection to drop');
      await worker.close(2000, 1000);
      await state.close();
      expect(lines).not.toContain('an aborted job did not stop; it is retried once its lock runs out');
    }, 40_000);
  },
);
