// A restart of Redis itself. The shared service keeps nothing on disk (and restarting it would disturb other test
// runs), so this test starts its own redis-server with the append-only file fsynced on every write
// (`--appendonly yes --appendfsync always`), kills it with -9 while jobs wait and run, and starts it again on the
// same folder. Every job whose submission Redis acknowledged must still finish, and clients reconnect by
// themselves.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { WORK_QUEUE, workQueueOptions } from '../../../src/jobs/distributed/dispatcher.js';
import { SharedState } from '../../../src/jobs/distributed/shared-state.js';
import type { Job, Owner } from '../../../src/jobs/types.js';
import { hasRedisServer, type OwnRedis, startOwnRedis } from './own-redis.js';
import { type Cluster, startCluster, until } from './redis-harness.js';

const available = hasRedisServer();
if (!available && process.env.CI !== 'true')
  process.stderr.write('redis-server is not installed: skipping the Redis restart test (CI fails here).\n');

let URL = '';
const dir = mkdtempSync(join(tmpdir(), 'dimoo-redis-'));
let own: OwnRedis | undefined;
let cluster: Cluster | undefined;

/** The server on its folder; started again on the port it had, for its clients to reconnect to. */
async function startServer(): Promise<void> {
  own = await startOwnRedis(['--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''], {
    port: own?.port,
  });
  URL = `redis://127.0.0.1:${own.port}`;
}

afterAll(async () => {
  await cluster?.close().catch(() => undefined);
  own?.server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!available && process.env.CI !== 'true')('distributed queue: Redis restart', () => {
  // Its own waits allow 10 s for a first job and 60 s after the restart: the test's limit must cover both (the
  // 30 s default ran out on a loaded machine).
  it('finishes every acknowledged job after kill -9 and restart of an AOF-backed Redis', {
    timeout: 120_000,
  }, async () => {
    await startServer();
    cluster = await startCluster({ frontEnds: 1, workers: 1, url: URL, msPerStep: 60, leaseMs: 1500 });
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const jobs: Job[] = [];
    for (let n = 0; n < 12; n++) {
      const owner: Owner = { platform: 'telegram', userId: `r${n % 4}` };
      const result = fe.queue.submit({
        owner,
        scope: 'chat:1',
        kind: 'imagine',
        request: { task: 'text_to_image', prompt: `restart-${n}`, width: 256, height: 256 },
      });
      if (!result.ok) throw new Error('refused');
      jobs.push(result.job);
    }
    // Acknowledged: every submission's MULTI/EXEC returned.
    await fe.queue.flush();
    expect(fe.events.filter((e) => e.type === 'failed')).toEqual([]);
    await until(() => fe.events.some((e) => e.type === 'done'), 10_000, 'a first job to finish');
    own?.server.kill('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await startServer();
    const finished = () =>
      jobs.every((job) =>
        fe.events.some((e) => e.job.id === job.id && ['done', 'failed', 'cancelled'].includes(e.type)),
      );
    try {
      await until(finished, 60_000, 'every job after the restart');
    } catch (error) {
      // What each side believes of every job, to tell a lost event from a job that never ran.
      const state = new SharedState(URL, cluster.prefix);
      const work = new Queue(WORK_QUEUE, workQueueOptions(URL, cluster.prefix));
      const seen = await Promise.all(
        jobs.map(async (job) => ({
          id: job.id,
          frontEnd: fe.events.filter((e) => e.job.id === job.id).map((e) => e.type),
          shared: (await state.getJob(job.id))?.status,
          bullmq: (await (await work.getJob(job.id))?.getState()) ?? 'none',
        })),
      );
      process.stderr.write(
        `${JSON.stringify({ seen, dispatched: [...(await state.dispatched()).keys()] })}\n`,
      );
      await Promise.all([state.close(), work.close()]);
      throw error;
    }
    for (const job of jobs) expect(fe.store.get(job.id)?.status).toBe('done');
  });
});
