// A submission the queue fails to store says so (NotStored): its row, its files and the counter are not kept, and
// the jobs it would have replaced wait as before. A failure once the row is stored (telling the job's place) is not
// NotStored: the job is queued, and the caller must not say it is not.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { EngineRequest } from '../../engine/index.js';
import { AfterStored, JobQueue, JobStore, NotStored, type SubmitInput } from '../../src/jobs/index.js';
import type { Job, JobStatus } from '../../src/jobs/types.js';
import { within } from '../../src/within.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';
import { queueLimits } from './queue-limits.js';

/** A JobStore whose next insert fails as a database refusing a write for a reason other than space. */
class FailingStoreDouble extends JobStore {
  failInsert = false;
  /** Reads of waiting jobs fail from the next insert on (as telling the stored job's place would meet them). */
  failReadsAfterInsert = false;
  readsFail = false;

  override insert(job: Job): void {
    if (this.failInsert)
      throw Object.assign(new Error('attempt to write a readonly database'), { code: 'SQLITE_READONLY' });
    super.insert(job);
    this.readsFail = this.failReadsAfterInsert;
  }

  override byStatus(status: JobStatus): Job[] {
    if (this.readsFail) throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_READ' });
    return super.byStatus(status);
  }
}

class ThrowingEstimateEngineDouble extends TimedEngineDouble {
  override estimateCost(_request: EngineRequest): number {
    throw new Error('estimate failed');
  }
}

function queueOn(engine = new TimedEngineDouble()) {
  const dir = mkdtempSync(join(tmpdir(), 'dimoo-not-stored-'));
  const store = new FailingStoreDouble(dir);
  const queue = new JobQueue({ store, engine, limits: queueLimits() });
  onTestFinished(async () => {
    await queue.stop({ waitMs: 20, abortWaitMs: 20 });
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, store, queue };
}

const png = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);
const input = (prompt: string, extra: Partial<SubmitInput> = {}): SubmitInput => ({
  owner: { platform: 'web', userId: 'ann' },
  scope: 'playground',
  kind: 'imagine',
  request: { task: 'text_to_image', prompt, width: 64, height: 64 },
  ...extra,
});

describe('a submission the queue could not store', () => {
  it('throws NotStored: no row, no files, no counter, and the held job it replaces waits as before', () => {
    const { dir, store, queue } = queueOn();
    const first = queue.submit(input('a fox'));
    if (!first.ok) throw new Error(first.refusal.key);
    const hold = queue.hold([first.job.id], first.job.owner);
    store.failInsert = true;
    const counters = store.counters();
    let thrown: unknown;
    try {
      queue.submit(input('a red fox', { replaces: [first.job.id], files: { 'input.png': png } }));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(NotStored);
    expect((thrown as NotStored).error).toMatchObject({ code: 'SQLITE_READONLY' });
    expect(store.byStatus('queued').map((j) => j.id)).toEqual([first.job.id]);
    expect(store.counters()).toEqual(counters);
    expect(hold?.state).toBe('released');
    // Only the first job's folder (if any): the refused one's input file is gone.
    const folders = store.byStatus('queued').map((j) => j.id);
    const jobs = join(dir, 'jobs');
    for (const name of existsSync(jobs) ? readdirSync(jobs) : []) expect(folders).toContain(name);
  });

  it('throws NotStored when the engine cannot price it', () => {
    const { store, queue } = queueOn(new ThrowingEstimateEngineDouble());
    expect(() => queue.submit(input('a fox'))).toThrow(NotStored);
    expect(store.byStatus('queued')).toEqual([]);
  });

  it('a failure once the row is stored is no NotStored: the job is queued', () => {
    const { store, queue } = queueOn();
    store.failReadsAfterInsert = true;
    let thrown: unknown;
    try {
      queue.submit(input('a fox'));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect(thrown).not.toBeInstanceOf(NotStored);
    store.readsFail = false;
    expect(store.byStatus('queued')).toHaveLength(1);
  });

  it('a failure telling a stored job its place still wakes the idle worker: the job runs', async () => {
    const { store, queue } = queueOn();
    const ended = new Promise<string>((resolve) =>
      queue.subscribe((e) => {
        if (e.type === 'done' || e.type === 'failed') resolve(e.type);
      }),
    );
    queue.start();
    store.failReadsAfterInsert = true;
    let thrown: unknown;
    try {
      queue.submit(input('a fox'));
    } catch (error) {
      thrown = error;
    }
    store.failReadsAfterInsert = false;
    store.readsFail = false;
    expect(thrown).toBeInstanceOf(AfterStored);
    // Bounded only so a job never started fails here rather than at the test's timeout.
    expect(await within(ended, 10_000, 'never started')).toBe('done');
  });
});
