// A shared queue answers "queued" once a submission's row is stored on its front-end, before Redis has the job. When
// Redis then refuses the job, it never runs: the rate-limit slot its owner spent on it is given back, so their next
// request is not refused for a job that does not exist.
import { describe, expect, it, onTestFinished } from 'vitest';
import { Commands } from '../../commands/commands.js';
import {
  clustersClosedAfterEach,
  refuseWrite,
  skipWithoutRedis,
  until,
} from '../jobs/distributed/redis-harness.js';

const skip = await skipWithoutRedis();
const startCluster = clustersClosedAfterEach();

describe.skipIf(skip)('a job Redis refused after the "queued" reply', { timeout: 30_000 }, () => {
  it('gives its rate-limit slot back: the next /imagine is admitted', async () => {
    const cluster = await startCluster({ frontEnds: 1, workers: 0 });
    const [fe] = cluster.frontEnds;
    if (!fe) throw new Error('no front-end');
    const commands = new Commands({
      queue: fe.queue,
      store: fe.store,
      config: {
        defaultLocale: 'en',
        limits: {
          rateLimitPerMinute: 1,
          maxInputBytes: 200_000,
          maxInputPixels: 1_000_000,
          blockedWords: [],
        },
      },
    });
    onTestFinished(() => commands.closeUpdates());
    const ctx = commands.context({
      user: { platform: 'discord', userId: 'not-queued-slot' },
      scope: 'guild:1',
      language: 'en',
    });
    refuseWrite(fe.state, 'enqueue', { times: 1 });
    const first = await commands.runText(ctx, '/imagine a fox');
    expect(first?.startsJob).toBe(true);
    await until(() => fe.events.some((e) => e.type === 'failed'), 10_000, 'the refused job to fail');
    const again = await commands.runText(ctx, '/imagine a fox');
    expect(again?.text.map((line) => line.key)).not.toContain('errors.rate_limited');
    expect(again?.startsJob).toBe(true);
  });
});
