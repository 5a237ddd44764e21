// A told marker (job-transitions.ts) counts only for the run it was made in. One an earlier run left behind (its
// removal failed as the new last run began) must not silence that run's genuine crash: its owner, who heard nothing
// of it, gets the apology at the next start. The removal's failure is an rmSync double.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { JobEvent } from '../../src/jobs/events.js';
import { noteToldLastRun } from '../../src/jobs/job-transitions.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { JobStore } from '../../src/jobs/store.js';
import type { Job } from '../../src/jobs/types.js';
import { HeldEngineDouble } from '../doubles/held-engine-double.js';
import { waitUntil } from '../doubles/shared/wait.js';
import { queueLimits } from './queue-limits.js';
import { submitFox } from './submit-fox.js';

const removal = vi.hoisted(() => ({ refused: false }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  // An rmSync double: a told marker cannot be removed while `removal.refused`.
  const rmSync: typeof fs.rmSync = (path, options) => {
    if (removal.refused && basename(String(path)).startsWith('last-run-told'))
      throw Object.assign(new Error(`EBUSY: resource busy or locked, rm '${String(path)}'`), {
        code: 'EBUSY',
      });
    fs.rmSync(path, options);
  };
  return { ...fs, default: { ...fs, rmSync }, rmSync };
});

function startOn(dir: string) {
  const store = new JobStore(dir);
  // The run never ends: the process dies during it.
  const queue = new JobQueue({ store, engine: new HeldEngineDouble('forever'), limits: queueLimits() });
  const events: JobEvent[] = [];
  queue.subscribe((e) => events.push(e));
  return { store, queue, events };
}

describe('a told marker left by an earlier run', () => {
  it('does not silence the crash of a later last run: the next start apologises', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dimoo-stale-told-'));
    const first = startOn(dir);
    const id = submitFox(first.queue, { platform: 'web', userId: 'ann' });
    const queued = first.store.get(id) as Job;
    // Its first run was interrupted (its one retry is left), and a told marker of another run (started at 1) is
    // still in its folder.
    first.store.update({ ...queued, attempts: 1 });
    first.store.writeFile(id, 'last-run.txt', new Uint8Array(0));
    const told = { key: 'errors.generic', params: {} };
    noteToldLastRun(first.store, { ...queued, status: 'failed', attempts: 2, startedAt: 1, error: told });
    removal.refused = true;
    // The last run begins (its marker's removal fails), then the process dies mid-run: nothing was told.
    first.queue.start();
    await waitUntil(() => first.events.some((e) => e.type === 'started' && e.job.id === id), 'the last run');
    expect(first.store.get(id)).toMatchObject({ status: 'running', attempts: 2 });
    expect(
      readdirSync(first.store.folder(id)).filter((name) => name.startsWith('last-run-told')),
    ).toHaveLength(1);
    first.store.close();
    removal.refused = false;

    const next = startOn(dir);
    next.queue.start();
    const failed = next.events.filter((e) => e.type === 'failed' && e.job.id === id);
    expect(failed.map((e) => e.job.error)).toEqual([{ key: 'errors.job.interrupted', params: {} }]);
    expect(next.store.get(id)).toMatchObject({ status: 'failed', error: { key: 'errors.job.interrupted' } });
    next.store.close();
  });
});
