// A reloaded history page shows an unfinished job as its live message does: a waiting job with its place and ETA
// (the queue's dry run, as its `queued`/`position` events tell it), or that no worker is running; a shared queue's
// running job whose worker is gone, with none alive, as paused for want of one, not "Working on it…" (on its last try,
// which no worker starts again, running); every waiting job of a page placed from one dry run.
// Real store and queue (not started: jobs wait) on the timed engine double; for the shared queue's workers, the queue
// is wrapped in a test double whose `workersRunning` the test sets.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Commands } from '../../commands/commands.js';
import type { CommandContext } from '../../commands/context.js';
import type { Reply } from '../../commands/reply.js';
import { loadConfig } from '../../src/config/index.js';
import { type Job, JobQueue, type JobQueueApi, JobStore } from '../../src/jobs/index.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';
import { queueLimits } from '../jobs/queue-limits.js';

const user = { platform: 'web' as const, userId: 'u1' };
const NOW = 1_000_000;

/**
 * The real queue, its `workersRunning` as a shared queue's front-end would say it; `dryRuns` counts the dry runs
 * asked of it (each `waitPlan` or `positionOf` makes one).
 */
function workersQueueDouble(
  real: JobQueueApi,
  workers: { running?: boolean; dryRuns?: number },
): JobQueueApi {
  return new Proxy(real, {
    get(target, key) {
      if (key === 'workersRunning') return workers.running;
      if (key === 'waitPlan' || key === 'positionOf') workers.dryRuns = (workers.dryRuns ?? 0) + 1;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function setUp() {
  const dir = mkdtempSync(join(tmpdir(), 'dimoo-history-waiting-'));
  const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '0' });
  const store = new JobStore(dir);
  const engine = new TimedEngineDouble(1, 3);
  // A measured pace: the waiting line gives a time.
  store.setCalibration(engine.info.device, 0.002, 1);
  const queue = new JobQueue({ store, engine, limits: queueLimits() });
  const workers: { running?: boolean; dryRuns?: number } = {};
  const commands = new Commands({ queue: workersQueueDouble(queue, workers), store, config, now: () => NOW });
  cleanups.push(async () => {
    await queue.stop({ waitMs: 1000 });
    commands.closeUpdates();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const ctx: CommandContext = commands.context({ user, scope: 'web:u1', language: 'en' });
  /** The job's id and its live message: the submitting call's reply, which the page shows. */
  const submit = async (prompt: string): Promise<{ id: string; told: Reply }> => {
    const reply = await commands.runChatLine(ctx, `/imagine ${prompt}`);
    if (!reply?.jobId) throw new Error('the job was not queued');
    return { id: reply.jobId, told: reply };
  };
  const reloaded = async (id: string): Promise<Reply | undefined> =>
    (await commands.history(ctx)).entries.find((e) => e.jobId === id)?.reply;
  return { store, workers, submit, reloaded };
}

describe('a reloaded history page, an unfinished job', () => {
  it('shows a waiting job with the place and ETA its live message gave', async () => {
    const { submit, reloaded } = setUp();
    await submit('a fox');
    await submit('an owl');
    const { id, told } = await submit('a hare');
    expect(told.text.map((line) => line.key)).toEqual(['job.queued']);
    const reply = await reloaded(id);
    expect(reply?.text).toEqual(told.text);
    expect(reply?.text[0]?.params?.count).toBe(2);
    expect(reply?.etaAt).toBe(told.etaAt);
    expect(reply?.ahead).toBe(2);
    expect(reply?.buttons).toEqual(told.buttons);
  });

  it('places every waiting job of a page from one dry run of the queue', async () => {
    const { workers, submit, reloaded } = setUp();
    const ids = [];
    for (const prompt of ['a fox', 'an owl', 'a hare', 'a wren']) ids.push((await submit(prompt)).id);
    workers.dryRuns = 0;
    expect((await reloaded(ids[3] as string))?.ahead).toBe(3);
    expect(workers.dryRuns).toBe(1);
  });

  it('shows a waiting job with no worker alive as waiting for one, with its place and no time', async () => {
    const { workers, submit, reloaded } = setUp();
    await submit('a fox');
    const { id } = await submit('an owl');
    workers.running = false;
    const reply = await reloaded(id);
    expect(reply?.text).toEqual([{ key: 'job.queued_no_worker', params: { count: 1 } }]);
    expect(reply?.etaAt).toBeUndefined();
  });

  it('shows a running job whose worker is gone, none alive, as paused for want of a worker', async () => {
    const { store, workers, submit, reloaded } = setUp();
    const { id } = await submit('a wren');
    // A shared queue's row: the job ran on a worker that is gone.
    const job = store.get(id) as Job;
    store.update({ ...job, status: 'running', startedAt: job.createdAt + 1, attempts: 1 });
    workers.running = false;
    const reply = await reloaded(id);
    expect(reply?.text).toEqual([{ key: 'job.paused_no_worker' }]);
    expect(reply?.buttons?.flat().map((b) => b.labelKey)).toEqual(['button.cancel']);
    // A worker alive (or one process, whose queue says nothing of workers): it runs.
    for (const running of [true, undefined]) {
      workers.running = running;
      expect((await reloaded(id))?.text).toEqual([{ key: 'job.running_now' }]);
    }
  });

  it('shows a running job on its last try as running, none alive: no worker starts it again', async () => {
    const { store, workers, submit, reloaded } = setUp();
    const { id } = await submit('a wren');
    // A shared run's last try records no runner, so its live message never said it was paused.
    const job = store.get(id) as Job;
    store.update({ ...job, status: 'running', startedAt: job.createdAt + 1, attempts: 2 });
    workers.running = false;
    expect((await reloaded(id))?.text).toEqual([{ key: 'job.running_now' }]);
  });
});
