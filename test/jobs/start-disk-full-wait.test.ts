// While a start on a full disk waits to recover the jobs the last process left running (recovery.ts): a cancel
// answered "cancelling" survives a stop before the disk has room; a last run whose failure its owner was told is
// neither offered Cancel nor told a second end, and is stored with the failure told; the fairness floor is not
// settled past owners whose rows still say `running`; and the queue says no worker runs, so no ETA is given.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runningJobs } from '../../commands/stored-jobs.js';
import type { JobEvent } from '../../src/jobs/events.js';
import { noteToldLastRun } from '../../src/jobs/job-transitions.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { JobStore } from '../../src/jobs/store.js';
import type { Job } from '../../src/jobs/types.js';
import { FullDiskStoreDouble } from '../doubles/full-disk-store.js';
import { waitUntil } from '../doubles/shared/wait.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';
import { input, leftRunning as leftRunningIn, owner } from './left-running.js';
import { queueLimits } from './queue-limits.js';

const open: JobQueue[] = [];
afterEach(async () => {
  for (const q of open.splice(0)) await q.stop({ waitMs: 2000 });
});

const leftRunning = (rows: Record<string, Partial<Job>>, queued: string[] = []) =>
  leftRunningIn('start-wait', rows, queued);

function startOn<S extends JobStore>(store: S) {
  const engine = new TimedEngineDouble();
  const queue = new JobQueue({ store, engine, limits: queueLimits() });
  open.push(queue);
  const events: JobEvent[] = [];
  queue.subscribe((e) => events.push(e));
  return { store, engine, queue, events };
}

function startFull(dir: string) {
  const store = new FullDiskStoreDouble(dir);
  store.full = true;
  return startOn(store);
}

const of = (events: JobEvent[], type: JobEvent['type'], id: string) =>
  events.filter((e) => e.type === type && 'job' in e && e.job.id === id);

/** The told failure's marker, as a last run whose failure the database refused leaves it (run-batch.ts). */
function toldFailure(dir: string, id: string, error: NonNullable<Job['error']>): void {
  const store = new JobStore(dir);
  store.writeFile(id, 'last-run.txt', new Uint8Array(0));
  const job = store.get(id) as Job;
  noteToldLastRun(store, { ...job, status: 'failed', error });
  store.close();
}

describe('a cancel while the recovery waits for the disk', () => {
  it('is kept by a stop before the disk has room: the next start cancels the job, never runs it', async () => {
    const { dir, ids } = leftRunning({ cid: {} });
    const full = startFull(dir);
    full.queue.start();
    expect(full.queue.cancel(ids.cid as string, owner('cid'))).toBe('cancelling');
    open.splice(open.indexOf(full.queue), 1);
    await full.queue.stop({ waitMs: 1000 });
    full.store.close();

    // Still full at the next start: listed as stopping, as its owner was answered.
    const again = startFull(dir);
    expect(again.queue.get(ids.cid as string)?.status).toBe('cancelled');
    open.splice(open.indexOf(again.queue), 1);
    await again.queue.stop({ waitMs: 1000 });
    again.store.close();

    const next = startOn(new JobStore(dir));
    next.queue.start();
    await waitUntil(() => of(next.events, 'cancelled', ids.cid as string).length > 0, 'cancelled', 3000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(next.store.get(ids.cid as string)?.status).toBe('cancelled');
    expect(next.engine.started).toEqual([]);
  });

  it('is refused, not answered "cancelling", when even its marker cannot be made', () => {
    const { dir, ids } = leftRunning({ cid: {} });
    // Where the marker would be, a folder: no marker file can be made there.
    mkdirSync(join(dir, 'jobs', `${ids.cid as string}.cancel-requested`));
    const { queue } = startFull(dir);
    expect(() => queue.cancel(ids.cid as string, owner('cid'))).toThrow();
    expect(queue.get(ids.cid as string)?.status).toBe('running');
  });
});

describe('a last run whose failure its owner was told, while the recovery waits', () => {
  it('is not listed with Cancel, and a cancel tells no second end', async () => {
    const { dir, ids } = leftRunning({ bob: { attempts: 2 } });
    toldFailure(dir, ids.bob as string, { key: 'errors.generic', params: {} });
    const { store, queue, events } = startFull(dir);
    queue.start();
    expect(runningJobs({ queue, store }).map((j) => j.id)).toEqual([]);
    expect(queue.cancel(ids.bob as string, owner('bob'))).toBe('finished');
    store.full = false;
    await waitUntil(() => queue.workersRunning, 'recovered', 3000);
    expect(store.get(ids.bob as string)?.status).toBe('failed');
    expect(events.filter((e) => 'job' in e && e.job.id === ids.bob).map((e) => e.type)).toEqual([]);
  });

  it('is stored with the failure its owner was told, not the interrupted apology', () => {
    const { dir, ids } = leftRunning({ bob: { attempts: 2 } });
    const told = { key: 'errors.job.timeout', params: { limitMs: 60_000 } };
    toldFailure(dir, ids.bob as string, told);
    const { store, queue, events } = startOn(new JobStore(dir));
    queue.start();
    expect(store.get(ids.bob as string)).toMatchObject({ status: 'failed', error: told });
    expect(of(events, 'failed', ids.bob as string)).toEqual([]);
  });

  it('is ended as told though its row asks a cancel: no "cancelled" after the failure', () => {
    const { dir, ids } = leftRunning({ bob: { attempts: 2, meta: { cancelRequested: true } } });
    // The bare marker of its run (started at 1), as a failure too long for a file name leaves it: the apology is
    // stored.
    mkdirSync(join(dir, 'jobs', ids.bob as string), { recursive: true });
    writeFileSync(join(dir, 'jobs', ids.bob as string, 'last-run-told.1.txt'), '');
    const { store, queue, events } = startOn(new JobStore(dir));
    queue.start();
    expect(store.get(ids.bob as string)).toMatchObject({
      status: 'failed',
      error: { key: 'errors.job.interrupted' },
    });
    expect(events.filter((e) => 'job' in e && e.job.id === ids.bob).map((e) => e.type)).toEqual([]);
  });
});

/** A JobStore double whose every database write the fairness settle makes fails while `full`. */
class FullFairnessStoreDouble extends FullDiskStoreDouble {
  override setFairnessFloor(floor: number): void {
    if (this.full) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    super.setFairnessFloor(floor);
  }
  override forgetCounters(users: readonly string[]): void {
    if (this.full) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    super.forgetCounters(users);
  }
}

describe('the fairness counters after a recovery that waited', () => {
  it('end as after one that did not: the floor is not raised past owners still running', () => {
    const run = (wait: boolean) => {
      const { dir, ids } = leftRunning({ ann: {} }, ['vic']);
      const before = new JobStore(dir);
      const cost = (before.get(ids.ann as string) as Job).estimatedCost;
      before.setCounter('web:vic', 100);
      before.setCounter('web:ann', 100 + cost / 2);
      before.close();
      const store = new FullFairnessStoreDouble(dir);
      store.full = wait;
      const { queue } = startOn(store);
      store.full = false;
      expect(queue.submit(input('dan', 'a boat')).ok).toBe(true);
      const counters = store.counters();
      return { floor: store.fairnessFloor(), ann: counters.get('web:ann'), dan: counters.get('web:dan') };
    };
    const immediate = run(false);
    expect(run(true)).toEqual(immediate);
  });
});

describe('the queue while the recovery waits', () => {
  it('says no worker runs (no ETA is given), until the left jobs are recovered', async () => {
    const { dir } = leftRunning({ ann: {} }, ['vic']);
    const { store, queue } = startFull(dir);
    queue.start();
    expect(queue.workersRunning).toBe(false);
    store.full = false;
    await waitUntil(() => queue.workersRunning, 'recovered', 3000);
  });
});
