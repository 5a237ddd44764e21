// A start with jobs left running on a disk full to a quota (EDQUOT, which SQLite says as SQLITE_IOERR_WRITE): the
// recovery waits as for SQLITE_FULL and new jobs get the full-disk refusal, when the disk has (almost) no room left.
// The same error with room left is a broken disk: the start fails on it, as before. Free space is a statfs double.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { JobQueue } from '../../src/jobs/queue.js';
import { JobStore } from '../../src/jobs/store.js';
import type { Job } from '../../src/jobs/types.js';
import { waitUntil } from '../doubles/shared/wait.js';
import { disk } from '../doubles/statfs-double.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';
import { queueLimits } from './queue-limits.js';

vi.mock('node:fs', async (importOriginal) =>
  (await import('../doubles/statfs-double.js')).withStatfsDouble(await importOriginal()),
);

/** A JobStore double whose database writes fail with SQLite's I/O error for a refused write while `failing`. */
class IoErrorStoreDouble extends JobStore {
  failing = false;
  private fail(): void {
    if (this.failing) throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_WRITE' });
  }
  override update(job: Job): void {
    this.fail();
    super.update(job);
  }
  override insert(job: Job): void {
    this.fail();
    super.insert(job);
  }
  override setCounter(user: string, counter: number): void {
    this.fail();
    super.setCounter(user, counter);
  }
}

const open: JobQueue[] = [];
afterEach(async () => {
  for (const q of open.splice(0)) await q.stop({ waitMs: 2000 });
});

const input = (who: string) => ({
  owner: { platform: 'web' as const, userId: who },
  scope: 'playground' as const,
  kind: 'imagine' as const,
  request: { task: 'text_to_image' as const, prompt: `${who}'s fox`, width: 64, height: 64 },
});

function leftRunning(): { dir: string; id: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dimoo-start-ioerr-'));
  const store = new JobStore(dir);
  const before = new JobQueue({ store, engine: new TimedEngineDouble(), limits: queueLimits() });
  const submitted = before.submit(input('ann'));
  if (!submitted.ok) throw new Error('refused');
  store.update({ ...submitted.job, status: 'running', attempts: 1, startedAt: 1 });
  store.close();
  return { dir, id: submitted.job.id };
}

describe('SQLITE_IOERR_WRITE while recovering the jobs left running', () => {
  it('on a full disk: the start waits, new jobs are refused as full, and recovers once writes are taken', async () => {
    disk.freeBytes = 4096;
    const { dir, id } = leftRunning();
    const store = new IoErrorStoreDouble(dir);
    store.failing = true;
    const logged: string[] = [];
    const queue = new JobQueue({
      store,
      engine: new TimedEngineDouble(),
      limits: queueLimits(),
      log: (_level, message) => logged.push(message),
    });
    open.push(queue);
    queue.start();
    expect(queue.submit(input('dan'))).toEqual({
      ok: false,
      refusal: { key: 'errors.disk_full', params: {} },
    });
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(logged.filter((m) => m.includes('job worker error'))).toEqual([]);
    store.failing = false;
    await waitUntil(() => store.get(id)?.status === 'done', "ann's job is done", 5000);
  });

  it('on a disk with room (a broken disk): the start fails on it, not called full', () => {
    disk.freeBytes = 2 ** 29;
    const { dir } = leftRunning();
    const store = new IoErrorStoreDouble(dir);
    store.failing = true;
    expect(() => new JobQueue({ store, engine: new TimedEngineDouble(), limits: queueLimits() })).toThrow(
      'disk I/O error',
    );
    store.close();
  });
});
