// `npm start` with QUEUE_URL stopped while Redis is away: the front-end's goodbyes to Redis (the dispatcher's lease,
// BullMQ's connections) waited for its return, and SIGINT never ended the process. Redis here is a server of the
// test's own, killed with -9: the shared one must never be stopped.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { createLogger } from '../../../src/log.js';
import { openServices } from '../../../src/services.js';
import { redisReachable, until } from './redis-harness.js';

function hasRedisServer(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const available = hasRedisServer();
if (!available && process.env.CI !== 'true')
  process.stderr.write(
    'redis-server is not installed: skipping the stop-with-Redis-away test (CI fails here).\n',
  );

// Apart from redis-restart.test.ts's ports (6390 + pid % 50).
const PORT = 6440 + (process.pid % 50);
const URL = `redis://127.0.0.1:${PORT}`;
let server: ChildProcess | undefined;

afterAll(() => {
  server?.kill('SIGKILL');
});

describe.skipIf(!available && process.env.CI !== 'true')(
  'distributed queue: a front-end stopped while Redis is away',
  () => {
    it('stops within SHUTDOWN_GRACE_S, saying the shared queue did not answer', async () => {
      server = spawn(
        'redis-server',
        ['--port', String(PORT), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        {
          stdio: 'ignore',
        },
      );
      await until(() => server?.exitCode === null, 1000, 'redis-server');
      const deadline = Date.now() + 10_000;
      while (!(await redisReachable(URL))) {
        if (Date.now() > deadline) throw new Error('own redis-server did not start');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
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
      server.kill('SIGKILL');
      await until(() => lines.some((l) => l.msg === 'shared queue connection'), 20_000, 'the outage line');
      await services.close();
      expect(lines.map((l) => l.msg)).toContain(
        'the shared queue did not answer while stopping: stopped without it',
      );
    }, 40_000);
  },
);
