// A cancel that reaches a running job on the shared queue after its engine's last step stops nothing: the job ends
// done and is delivered, and the owner's final event says the cancel came too late (`meta.cancelRequested`), whether
// it was asked at the owner's front-end or (by an admin) at another, as in one process (test/jobs/late-cancel.test.ts).
import { describe, expect, it } from 'vitest';
import type { EngineRequest, EngineResult, GenerateOptions } from '../../../engine/index.js';
import type { JobEvent } from '../../../src/jobs/events.js';
import type { Owner } from '../../../src/jobs/types.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import {
  clustersClosedAfterEach,
  type FrontEndOnRedis,
  skipWithoutRedis,
  submitImagine,
  until,
} from './redis-harness.js';

const skip = await skipWithoutRedis();
const owner: Owner = { platform: 'discord', userId: 'late' };
const admin: Owner = { platform: 'discord', userId: 'admin' };

/** Test double: after its last step it still works `tailMs` (decoding the result), where no abort is looked at. */
class SlowTailEngineDouble extends TimedEngineDouble {
  constructor(private readonly tailMs: number) {
    super(20, 3);
  }

  override async generate(request: EngineRequest, options: GenerateOptions = {}): Promise<EngineResult> {
    const result = await super.generate(request, options);
    await new Promise((resolve) => setTimeout(resolve, this.tailMs));
    return result;
  }
}

const startCluster = clustersClosedAfterEach();

async function start(): Promise<[FrontEndOnRedis, FrontEndOnRedis]> {
  const cluster = await startCluster({
    frontEnds: 2,
    workers: 1,
    engine: () => new SlowTailEngineDouble(500),
  });
  return cluster.frontEnds as [FrontEndOnRedis, FrontEndOnRedis];
}

describe.skipIf(skip)('distributed queue: a cancel after the last step', { timeout: 30_000 }, () => {
  for (const where of ['the owner’s front-end', 'another front-end'] as const) {
    it(`ends the job done, its final event marked as asked to cancel (asked at ${where})`, async () => {
      const [mine, other] = await start();
      const job = submitImagine(mine, owner, 'a fox');
      const lastStep = () =>
        mine.events.some((e) => e.job.id === job.id && e.type === 'progress' && e.step === e.total);
      await until(lastStep, 10_000, 'the last step');
      if (where === 'another front-end') {
        await until(
          () => other.queue.shared.dispatched.has(job.id),
          10_000,
          'the other front-end to see it run',
        );
        expect(other.queue.cancel(job.id, admin, true)).toBe('cancelling');
      } else {
        expect(mine.queue.cancel(job.id, owner)).toBe('cancelling');
      }
      const TERMINAL = new Set(['done', 'failed', 'cancelled']);
      await until(
        () => mine.events.some((e) => e.job.id === job.id && TERMINAL.has(e.type)),
        10_000,
        'the end',
      );
      const final = mine.events.find((e) => e.job.id === job.id && TERMINAL.has(e.type)) as JobEvent;
      expect(final.type).toBe('done');
      expect(final.job.meta.cancelRequested).toBe(true);
      expect(mine.store.readFile(job.id, 'result.png').length).toBeGreaterThan(0);
    });
  }
});
