// A reloaded history page shows a running job as "the bot is restarting" only when this start's recovery will run it
// again (the last process left it running, the disk full), and a job the recovery ends (its last attempt, its cancel
// asked) as running or stopping, with no promise of a start again. A shared queue's running job whose workers'
// heartbeat lapsed (its front-end counts no live worker) shows what its live message said: paused until a worker is
// up, or, on its last try, which no worker starts again, running.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Commands } from '../../commands/commands.js';
import type { CommandContext } from '../../commands/context.js';
import { loadConfig } from '../../src/config/index.js';
import type { Snapshot } from '../../src/jobs/distributed/shared-snapshot.js';
import { JobQueue } from '../../src/jobs/queue.js';
import type { Job, Owner } from '../../src/jobs/types.js';
import { FullDiskStoreDouble } from '../doubles/full-disk-store.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';
import { clustersClosedAfterEach, skipWithoutRedis, until } from '../jobs/distributed/redis-harness.js';
import { queueLimits } from '../jobs/queue-limits.js';
import { submitFox } from '../jobs/submit-fox.js';
import { commandsOnFrontEnd } from './commands-on-queue.js';

const owner: Owner = { platform: 'web', userId: 'u1' };
const contextOf = (commands: Commands): CommandContext =>
  commands.context({ user: owner, scope: 'web:u1', language: 'en' });

async function historyKeys(commands: Commands, id: string): Promise<string[] | undefined> {
  const entries = (await commands.history(contextOf(commands))).entries;
  return entries.find((e) => e.jobId === id)?.reply.text.map((line) => line.key);
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A job the last process left running (its row changed by `edit`), and the next start on a disk still full: its
 * recovery waits. Returns that start's commands and queue, and the job's id.
 */
function leftRunning(edit: (job: Job) => void) {
  const dir = mkdtempSync(join(tmpdir(), 'dimoo-history-restart-'));
  const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '0' });
  const first = new FullDiskStoreDouble(dir);
  const id = submitFox(
    new JobQueue({ store: first, engine: new TimedEngineDouble(), limits: queueLimits() }),
    owner,
  );
  const stored = first.get(id) as Job;
  const job: Job = { ...stored, status: 'running', startedAt: stored.createdAt + 1, attempts: 1 };
  edit(job);
  first.update(job);
  first.close();
  const store = new FullDiskStoreDouble(dir);
  store.full = true;
  const queue = new JobQueue({ store, engine: new TimedEngineDouble(), limits: queueLimits() });
  cleanups.push(async () => {
    await queue.stop({ waitMs: 1000 });
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  queue.start();
  expect(store.get(id)?.status).toBe('running');
  return { commands: new Commands({ queue, store, config }), queue, store, id };
}

describe('a reloaded history page, a job left running while the recovery waits for the disk', () => {
  it('says the bot restarts it when the recovery will run it again', async () => {
    const { commands, id } = leftRunning(() => undefined);
    expect(await historyKeys(commands, id)).toEqual(['job.paused_restart']);
  });

  it('does not promise a restart on its last attempt, which the recovery ends', async () => {
    const { commands, store, id } = leftRunning((job) => {
      job.attempts = 2;
    });
    expect(store.get(id)?.attempts).toBe(2);
    expect(await historyKeys(commands, id)).toEqual(['job.running_now']);
  });

  it('does not count a job whose cancel was asked as one to restart', async () => {
    const { commands, queue, store, id } = leftRunning((job) => {
      job.meta.cancelRequested = true;
    });
    expect(store.get(id)?.meta.cancelRequested).toBe(true);
    expect(queue.restartPending(id)).toBe(false);
    expect(await historyKeys(commands, id)).toEqual(['cancel.stopping']);
  });
});

const skip = await skipWithoutRedis();
const startCluster = clustersClosedAfterEach();

describe.skipIf(skip)('a reloaded history page on a shared queue', { timeout: 60_000 }, () => {
  it('shows a running job whose workers no longer answer as paused until one is up, on its last try as running', async () => {
    // Steps of 3 s: the job is still running while the page is read.
    const cluster = await startCluster({ frontEnds: 1, workers: 1, msPerStep: 3000 });
    const fe = cluster.frontEnds[0] as (typeof cluster.frontEnds)[number];
    const commands = commandsOnFrontEnd(fe);
    cleanups.push(() => commands.closeUpdates());
    const id = (await commands.run(contextOf(commands), { name: 'imagine', options: { prompt: 'a fox' } }))
      .jobId as string;
    await until(() => fe.store.get(id)?.status === 'running', 20_000, 'the job to run');
    // Its worker's heartbeat lapsed, as the front-end's mirror last read it.
    (fe.queue as unknown as { mirror: Snapshot }).mirror.liveWorkers = 0;
    expect(fe.queue.workersRunning).toBe(false);
    expect(await historyKeys(commands, id)).toEqual(['job.paused_no_worker']);
    // Its run's last try (a retry after a lost worker): no worker starts it again, and its live message said none.
    const job = fe.store.get(id) as Job;
    expect(job.attempts).toBe(1);
    fe.store.update({ ...job, attempts: 2 });
    expect(await historyKeys(commands, id)).toEqual(['job.running_now']);
  });
});
