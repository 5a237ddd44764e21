// A Cancel pressed on a job a worker runs marks it "stopping" at once, before the cancel reaches Redis. When that write
// fails, the cancel is owed all the same: the mark stays (the job's result, should it come, says it finished before
// it could be stopped) while the write is tried again, until this front-end stops.
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

/** A front-end's view with one dispatched job, whose submission's write ends as `write` does. */
function contextFor(store: JobStore, id: string, write: Promise<void>, stopped: AbortSignal): CancelContext {
  const logged: string[] = [];
  return {
    // Never reached: the pending write the cancel waits for settles first (a rejection fails the cancel's write).
    state: {} as SharedState,
    store,
    mirror: () => ({ dispatched: new Map([[id, 'discord:5']]) }) as unknown as Snapshot,
    get: (jobId) => store.get(jobId),
    queued: () => [],
    leaving: new Set(),
    pending: new Map([[id, write]]),
    cancelling: new Map(),
    stopped,
    log: (_level, message) => logged.push(message),
  };
}

describe('distributed cancel of a running job', () => {
  it('keeps its "stopping" mark while the cancel is tried again, and gives up when the front-end stops', async () => {
    const store = new JobStore(mkdtempSync(join(tmpdir(), 'dimoo-cancel-unwritten-')));
    const job = runningJob(store);
    const stopping = new AbortController();
    const refused = Promise.reject(new Error('redis: OOM command not allowed'));
    const ctx = contextFor(store, job.id, refused, stopping.signal);
    expect(cancelJob(ctx, job.id, owner, false)).toBe('cancelling');
    // Said at once, while the write is on its way.
    expect(store.get(job.id)?.meta.cancelRequested).toBe(true);
    const write = ctx.cancelling.get(job.id);
    let settled = false;
    void write?.then(() => {
      settled = true;
    });
    // Past the first refusal and its wait: still owed, still "stopping".
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(settled).toBe(false);
    expect(store.get(job.id)?.meta.cancelRequested).toBe(true);
    stopping.abort();
    await write;
    expect(ctx.cancelling.has(job.id)).toBe(false);
    expect(store.get(job.id)?.meta.cancelRequested).toBe(true);
    store.close();
  });
});
