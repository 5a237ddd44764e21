// A cancel while the recovery waits for a full disk (recovery.ts) is kept in a marker file that needs no free space.
// A first-attempt text-to-image job has no folder of its own, and on a real full disk (ext4) making one needs a free
// block: the marker lies in the jobs folder that always exists, so the cancel is kept, not refused "disk full". The
// full disk's refusal of new folders is an mkdirSync double.
// A told marker's long name (the failure told in it) is refused where names are short (eCryptfs: 143 bytes): the
// bare name is left instead, so the next start still ends the job without a second ending. A renameSync double.
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JobEvent } from '../../src/jobs/events.js';
import { noteToldLastRun } from '../../src/jobs/job-transitions.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { JobStore } from '../../src/jobs/store.js';
import type { Job } from '../../src/jobs/types.js';
import { FullDiskStoreDouble } from '../doubles/full-disk-store.js';
import { waitUntil } from '../doubles/shared/wait.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';
import { queueLimits } from './queue-limits.js';
import { submitFox } from './submit-fox.js';

const disk = vi.hoisted(() => ({ noNewFolders: false, maxName: Number.POSITIVE_INFINITY }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  // An mkdirSync double: a folder that does not exist yet cannot be made while `disk.noNewFolders` (no free block).
  const mkdirSync = ((path: import('node:fs').PathLike, options?: import('node:fs').MakeDirectoryOptions) => {
    if (disk.noNewFolders && !fs.existsSync(path))
      throw Object.assign(new Error(`ENOSPC: no space left on device, mkdir '${String(path)}'`), {
        code: 'ENOSPC',
      });
    return fs.mkdirSync(path, options);
  }) as typeof fs.mkdirSync;
  // A renameSync double: a name longer than `disk.maxName` bytes is refused, as eCryptfs refuses one over 143.
  const renameSync: typeof fs.renameSync = (from, to) => {
    if (Buffer.byteLength(basename(String(to))) > disk.maxName)
      throw Object.assign(new Error(`ENAMETOOLONG: name too long, rename '${String(to)}'`), {
        code: 'ENAMETOOLONG',
      });
    fs.renameSync(from, to);
  };
  return { ...fs, default: { ...fs, mkdirSync, renameSync }, mkdirSync, renameSync };
});

const owner = { platform: 'web' as const, userId: 'ann' };
const open: Array<{ queue: JobQueue; store: JobStore }> = [];
afterEach(async () => {
  disk.noNewFolders = false;
  disk.maxName = Number.POSITIVE_INFINITY;
  for (const { queue, store } of open.splice(0)) {
    await queue.stop({ waitMs: 1000 });
    store.close();
  }
});

function startOn<S extends JobStore>(store: S) {
  const queue = new JobQueue({ store, engine: new TimedEngineDouble(), limits: queueLimits() });
  const events: JobEvent[] = [];
  queue.subscribe((e) => events.push(e));
  open.push({ queue, store });
  return { store, queue, events };
}

/** A DATA_DIR as a process killed mid-run leaves it: one job left running (`changes` on its row). */
function leftRunning(changes: Partial<Job> = {}): { dir: string; id: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dimoo-cancel-marker-'));
  const store = new JobStore(dir);
  const queue = new JobQueue({ store, engine: new TimedEngineDouble(), limits: queueLimits() });
  const id = submitFox(queue, owner);
  store.update({ ...(store.get(id) as Job), status: 'running', attempts: 1, startedAt: 1, ...changes });
  store.close();
  return { dir, id };
}

describe('a cancel of a first-attempt job while the recovery waits for a full disk', () => {
  it('is kept though the job has no folder and none can be made: the next start ends it cancelled', async () => {
    const { dir, id } = leftRunning();
    expect(existsSync(join(dir, 'jobs', id))).toBe(false);
    const fullStore = new FullDiskStoreDouble(dir);
    fullStore.full = true;
    disk.noNewFolders = true;
    const full = startOn(fullStore);
    full.queue.start();
    expect(full.queue.cancel(id, owner)).toBe('cancelling');
    open.splice(0);
    await full.queue.stop({ waitMs: 1000 });
    fullStore.close();

    // Room again at the next start: cancelled, never run, and its marker gone.
    disk.noNewFolders = false;
    const next = startOn(new JobStore(dir));
    next.queue.start();
    await waitUntil(
      () => next.events.some((e) => e.type === 'cancelled' && e.job.id === id),
      'cancelled',
      3000,
    );
    expect(next.store.get(id)?.status).toBe('cancelled');
    expect(next.events.some((e) => e.type === 'started')).toBe(false);
    expect(readdirSync(join(dir, 'jobs'))).toEqual([]);
  });
});

describe('a told marker whose name is too long for the file system', () => {
  it('falls back to the bare name: the next start ends the job with no second ending', () => {
    const { dir, id } = leftRunning({ attempts: 2 });
    const store = new JobStore(dir);
    store.writeFile(id, 'last-run.txt', new Uint8Array(0));
    disk.maxName = 143;
    const told = { key: 'errors.job.timeout', params: { limitMs: 60_000, detail: 'x'.repeat(60) } };
    noteToldLastRun(store, { ...(store.get(id) as Job), status: 'failed', error: told });
    expect(readdirSync(store.folder(id))).toEqual(['last-run-told.1.txt']);
    store.close();

    const next = startOn(new JobStore(dir));
    next.queue.start();
    expect(next.events.filter((e) => e.job?.id === id)).toEqual([]);
    expect(next.store.get(id)).toMatchObject({ status: 'failed', error: { key: 'errors.job.interrupted' } });
  });
});
