// A second Cancel pressed while the first one's write is still on its way to Redis: one write, not two. A second
// would replace the first in the cancels being written, and the first, ending, would take the second's entry off
// that list while it still ran, so a released hold would stop waiting for it (front-queue.ts).
import { describe, expect, it } from 'vitest';
import { type CancelContext, cancelJob } from '../../../src/jobs/distributed/front-cancel.js';
import { emptySnapshot } from '../../../src/jobs/distributed/shared-snapshot.js';
import type { SharedState } from '../../../src/jobs/distributed/shared-state.js';
import type { JobStore } from '../../../src/jobs/store.js';
import type { Job, Owner } from '../../../src/jobs/types.js';

const owner: Owner = { platform: 'discord', userId: 'twice' };

describe('a cancel pressed twice on the shared queue', () => {
  it('writes once, and stays among the cancels being written until that write ends', async () => {
    const job = { id: 'j1', owner, status: 'running', meta: {} } as unknown as Job;
    let reads = 0;
    let answer: (job: Job | undefined) => void = () => undefined;
    // Test double: the job's record read by the cancel, answered when the test says.
    const state = {
      getJob: () => {
        reads += 1;
        return new Promise<Job | undefined>((resolve) => {
          answer = resolve;
        });
      },
    } as unknown as SharedState;
    // Test double: this front-end's record of the job, which only takes the cancel's mark.
    const store = { get: () => job, update: () => undefined } as unknown as JobStore;
    const ctx: CancelContext = {
      state,
      store,
      mirror: emptySnapshot,
      get: () => job,
      queued: () => [],
      leaving: new Set(),
      pending: new Map(),
      cancelling: new Map(),
      stopped: new AbortController().signal,
    };
    expect(cancelJob(ctx, job.id, owner, false)).toBe('cancelling');
    const first = ctx.cancelling.get(job.id);
    await Promise.resolve();
    expect(cancelJob(ctx, job.id, owner, false)).toBe('cancelling');
    expect(ctx.cancelling.get(job.id)).toBe(first);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(reads).toBe(1);
    // The record says the job ended meanwhile: the one write is over, and off the list.
    answer({ ...job, status: 'done' });
    await first;
    expect(ctx.cancelling.has(job.id)).toBe(false);
  });
});
