// A started `dimoo worker` whose Redis changed its password (CONFIG SET requirepass, then its connections dropped):
// the worker keeps trying, as for any outage, and says so once in QUEUE_URL's credentials wording, not Redis's raw
// WRONGPASS reply as 'worker heartbeat failed' twice per heartbeat. Redis here is a server of the test's own.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { SharedState } from '../../../src/jobs/distributed/shared-state.js';
import { createLogger } from '../../../src/log.js';
import { runWorker } from '../../../src/worker-role.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { freePort } from '../../ports.js';
import { hasRedisServer, ownRedisAskingFor } from './own-redis.js';
import { until } from './redis-harness.js';

const available = hasRedisServer();
const PASSWORD = 'right-password-of-some-length';
const CHANGED = 'changed-password-of-some-length';
const ownPort = ownRedisAskingFor(PASSWORD);

describe.skipIf(!available && process.env.CI !== 'true')(
  'a started worker whose Redis password changed',
  () => {
    it('says it once, in the credentials wording, however many heartbeats fail', async () => {
      const port = ownPort();
      const lines: Array<{ msg: string; error?: string }> = [];
      const log = createLogger({
        level: 'info',
        pretty: false,
        destination: { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }) },
      });
      const config = loadConfig({
        QUEUE_URL: `redis://:${PASSWORD}@127.0.0.1:${port}`,
        DATA_DIR: mkdtempSync(join(tmpdir(), 'dimoo-heartbeat-refused-')),
        METRICS_PORT: String(await freePort()),
        SHUTDOWN_GRACE_S: '1',
      });
      const engine = Object.assign(new TimedEngineDouble(), { close: async () => undefined });
      const stop = new AbortController();
      const beats = vi.spyOn(SharedState.prototype, 'heartbeat');
      const running = runWorker(config, log, stop.signal, async () => ({ engine }));
      const admin = new Redis(`redis://:${PASSWORD}@127.0.0.1:${port}`);
      try {
        await until(() => lines.some((l) => l.msg === 'GPU worker ready'), 20_000, 'the worker');
        await admin.config('SET', 'requirepass', CHANGED);
        // Connections already in keep their login: dropped, each reconnects with QUEUE_URL's (now wrong) password.
        await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
        const after = beats.mock.calls.length;
        // Three heartbeats refused: a line per beat would show by now.
        await until(() => beats.mock.calls.length >= after + 3, 20_000, 'three heartbeats');
        await until(() => lines.some((l) => l.msg === 'shared queue connection'), 20_000, 'the refusal line');
        expect(lines.filter((l) => l.msg === 'worker heartbeat failed')).toEqual([]);
        expect(JSON.stringify(lines)).not.toContain('WRONGPASS');
        expect(lines.filter((l) => l.msg === 'shared queue connection')).toEqual([
          expect.objectContaining({ error: expect.stringContaining('refused its user name and password') }),
        ]);
      } finally {
        await admin.config('SET', 'requirepass', PASSWORD).catch(() => undefined);
        stop.abort();
        await running;
        admin.disconnect();
      }
    }, 60_000);
  },
);
