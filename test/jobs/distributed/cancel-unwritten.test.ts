// A Cancel pressed on a job a worker runs marks it "stopping" at once, before the cancel reaches Redis. When that write
// fails, the worker never hears of it and runs the job to its end: the mark is taken back, so the job's progress says
// where it is again rather than "stopping" up to a result.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CancelContext, cancelJob } from '../../../src/jobs/distributed/front-cancel.js';
import type { Snapshot } from '../../../src/jobs/distributed/shared-snapshot.js';
import type { SharedState } from '../../../src/jobs/distributed/shared-state.js';
import { newJob } from '../../../src/jobs/job-parts.js';
import { JobStore } from '../../../src/jobs/store.js';

const owner = { platform: 'discord' as const, userId: '5' };

function runningJob(store: JobStore) {
  const job = newJob(
    {
      owner,
      scope: 'chat:5',
      kind: 'imagine',
      request: { task: 'text_to_image', prompt: 'a fox', width: 256, height: 256 },
    },
    { id: store.newId(), seq: 1, estimatedCost: 1, defaultPriority: 'normal', createdAt: Date.now() },
  );
  job.status = 'running';
  store.insert(job);
  return job;
}

/** A front-end's view with one dispatched job, whose cancel write ends as `write` does. */
function contextFor(store: JobStore, id: string, write: Promise<void>): CancelContext {
  const logged: string[] = [];
  return {
    // Never reached: the pending write the cancel waits for settles first (a rejection ends the cancel).
    state: {} as SharedState,
    store,
    mirror: () => ({ dispatched: new Map([[id, 'discord:5']]) }) as unknown as Snapshot,
    get: (jobId) => store.get(jobId),
    queued: () => [],
    leaving: new Set(),
    pending: new Map([[id, write]]),
    cancelling: new Map(),
    log: (_level, message) => logged.push(message),
  };
}

describe('distributed cancel of a running job', () => {
  it('takes its "stopping" mark back when the cancel could not be written', async () => {
    const store = new JobStore(mkdtempSync(join(tmpdir(), 'dimoo-cancel-unwritten-')));
    const job = runningJob(store);
    const ctx = contextFor(store, job.id, Promise.reject(new Error('redis: connection lost')));
    expect(cancelJob(ctx, job.id, owner, false)).toBe('cancelling');
    // Said at once, while the write is on its way.
    expect(store.get(job.id)?.meta.cancelRequested).toBe(true);
    await ctx.cancelling.get(job.id);
    expect(store.get(job.id)?.meta.cancelRequested).toBeUndefined();
    store.close();
  });
});
