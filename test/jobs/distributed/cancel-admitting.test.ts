// A cancel of a job in a batch that a worker is still admitting (reading the batch's later members from Redis) is
// heard before the job is with the engine: it once found nothing to abort, and the job ran to its end after its
// owner was told it was being cancelled.
import { afterEach, describe, expect, it } from 'vitest';
import type { SharedState } from '../../../src/jobs/distributed/shared-state.js';
import type { DistributedWorker } from '../../../src/jobs/distributed/worker.js';
import type { Owner } from '../../../src/jobs/types.js';
import { type Cluster, skipWithoutRedis, startCluster, submitImagine, until } from './redis-harness.js';

const skip = await skipWithoutRedis();
const owner: Owner = { platform: 'discord', userId: 'admitting' };
const TERMINAL = new Set(['done', 'failed', 'cancelled']);

let cluster: Cluster | undefined;

afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

/** The worker's own connection to the shared state (the test reaches in to delay one read). */
function stateOf(worker: DistributedWorker): SharedState {
  return (worker as unknown as { options: { state: SharedState } }).options.state;
}

describe.skipIf(skip)('distributed queue: a cancel while a batch is admitted', { timeout: 30_000 }, () => {
  it('cancels the batch member whose cancel came while a later one was read', async () => {
    cluster = await startCluster({ frontEnds: 1, workers: 0, maxBatch: 2, limits: { maxRunningPerUser: 2 } });
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const first = submitImagine(fe, owner, 'first');
    const second = submitImagine(fe, owner, 'second');
    await fe.queue.flush();

    const worker = (await cluster.addWorker(2)).worker;
    const state = stateOf(worker);
    const getJob = state.getJob.bind(state);
    let cancelled = false;
    state.getJob = async (id) => {
      // The first member is admitted (its cancel flag read: none); its cancel arrives while the second is read.
      if (id === second.id && !cancelled) {
        cancelled = true;
        expect(fe.queue.cancel(first.id, owner)).not.toBe('not_found');
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      return getJob(id);
    };

    const ended = (id: string) => fe.events.find((e) => e.job.id === id && TERMINAL.has(e.type))?.type;
    await until(() => ended(first.id) !== undefined && ended(second.id) !== undefined, 15_000, 'both ended');
    expect(cancelled).toBe(true);
    expect(ended(first.id)).toBe('cancelled');
    expect(ended(second.id)).toBe('done');
  });
});
