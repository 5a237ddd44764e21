// A run whose end the database refuses with SQLite's I/O-error form of a full disk (SQLITE_IOERR_WRITE, as a disk
// full to a quota words it): its owner reads that the disk is full, as for SQLITE_FULL, when the disk has (almost) no
// room left; the same error with room left is not called full. Free space is a statfs double.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JobEvent } from '../../src/jobs/events.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { JobStore } from '../../src/jobs/store.js';
import type { Job } from '../../src/jobs/types.js';
import { waitUntil } from '../doubles/shared/wait.js';
import { disk } from '../doubles/statfs-double.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';
import { queueLimits } from './queue-limits.js';
import { submitFox } from './submit-fox.js';

vi.mock('node:fs', async (importOriginal) =>
  (await import('../doubles/statfs-double.js')).withStatfsDouble(await importOriginal()),
);

/** A JobStore double that refuses to store a job's end (not its start) with SQLITE_IOERR_WRITE while `failing`. */
class IoErrorEndStoreDouble extends JobStore {
  failing = true;
  override update(job: Job): void {
    if (this.failing && job.status !== 'running')
      throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_WRITE' });
    super.update(job);
  }
}

const open: JobQueue[] = [];
afterEach(async () => {
  for (const q of open.splice(0)) await q.stop({ waitMs: 2000 });
});

/** Runs one job on a store refusing its end; the error its owner is told it failed with. */
async function failureTold(freeBytes: number): Promise<Job['error']> {
  disk.freeBytes = freeBytes;
  const store = new IoErrorEndStoreDouble(mkdtempSync(join(tmpdir(), 'dimoo-run-ioerr-')));
  const queue = new JobQueue({ store, engine: new TimedEngineDouble(), limits: queueLimits() });
  open.push(queue);
  const events: JobEvent[] = [];
  queue.subscribe((e) => events.push(e));
  const id = submitFox(queue, { platform: 'web', userId: 'ann' });
  queue.start();
  await waitUntil(() => events.some((e) => e.type === 'failed' && e.job.id === id), 'the job failed', 20_000);
  store.failing = false;
  return events.find((e) => e.type === 'failed')?.job.error;
}

describe('a run whose end SQLite refuses with SQLITE_IOERR_WRITE', () => {
  it('on a full disk: its owner reads that the disk is full', async () => {
    expect(await failureTold(4096)).toEqual({ key: 'errors.disk_full', params: {} });
  });

  it('on a disk with room (a broken disk): not called full', async () => {
    expect((await failureTold(2 ** 29))?.key).toBe('errors.generic');
  });
});
