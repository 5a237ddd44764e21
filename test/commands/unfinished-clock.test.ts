// A scope's unfinished jobs weigh a running job's time left against the clock it was stamped with: the queue's. A
// shared queue stamps startedAt with Redis's clock, which may be minutes off this machine's.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Commands } from '../../commands/commands.js';
import type { Job, JobQueueApi, JobStore } from '../../src/jobs/index.js';

/** This machine's clock runs 5 minutes ahead of the queue's (Redis's). */
const QUEUE_NOW = 1_800_000_000_000;
const LOCAL_NOW = QUEUE_NOW + 5 * 60_000;

/** A job running for 20 s of a minute, by the queue's clock, that the queue's dry run has not seen yet. */
const running = {
  id: 'job-1',
  scope: 'guild:1',
  status: 'running',
  startedAt: QUEUE_NOW - 20_000,
} as Job;

/** Only what `unfinishedIn` and the constructor read of a queue and a store (test doubles). */
function commandsOver(): Commands {
  const queue: Partial<JobQueueApi> = {
    paceKnown: true,
    now: () => QUEUE_NOW,
    expectedMs: () => 60_000,
    waitPlan: () => ({ starts: [], running: [], next: { ahead: 0, etaMs: 0 } }),
    subscribe: () => () => undefined,
  };
  const store: Partial<JobStore> = { byStatus: (status) => (status === 'running' ? [running] : []) };
  return new Commands({
    queue: queue as JobQueueApi,
    store: store as JobStore,
    config: {
      defaultLocale: 'en',
      limits: { rateLimitPerMinute: 0, maxInputBytes: 1, maxInputPixels: 1, blockedWords: [] },
    },
  });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('unfinished jobs on the queue’s clock', () => {
  it('gives a running job the time left by its queue’s clock, not by this machine’s running ahead', () => {
    vi.spyOn(Date, 'now').mockReturnValue(LOCAL_NOW);
    const [found] = commandsOver().unfinishedIn('guild:1');
    // By this machine's clock it would have run 5 min 20 s of its minute: nothing left, so withdrawn too early.
    expect(found?.endsInMs).toBe(40_000);
  });
});
