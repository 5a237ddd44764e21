// A waiting or running job of a batched run is ready when the run ends, as every job of it ends then: /queue's
// "ready in" and a scope's unfinished jobs (what a server or chat that removed the bot weighs against the time it
// can still deliver) say so, the run's time left counted once, a job behind it ending after that and its own time.
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../commands/commands.js';
import { unfinishedIn } from '../../commands/stored-jobs.js';
import { t } from '../../src/i18n.js';
import type { JobEvent } from '../../src/jobs/events.js';
import type { Job } from '../../src/jobs/types.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';
import { commandsOnQueue } from './commands-on-queue.js';

/** A queue of max batch 4 on the queue's own clock, moved by hand, and an engine slow enough to look at a run. */
function setup() {
  const clock = { now: 1_000_000 };
  const { queue, store, commands } = commandsOnQueue('batched-ends', {
    engine: new TimedEngineDouble(200, 50),
    paceKnown: false,
    limits: { maxPerUser: 3, maxPerScope: 100, maxTotal: 100, jobTimeoutMs: 600_000 },
    queue: { maxBatch: 4, now: () => clock.now },
    commands: { now: () => clock.now, randomSeed: () => 7, platforms: { discord: {} } },
    start: false,
    stop: { waitMs: 0, abortWaitMs: 5000 },
  });
  const events: JobEvent[] = [];
  queue.subscribe((e) => events.push(e));
  const ctx = (userId: string, scope = 'guild:1'): CommandContext =>
    commands.context({ user: { platform: 'discord', userId }, scope, language: 'en' });
  const imagine = async (userId: string, scope?: string): Promise<Job> => {
    const reply = await commands.run(ctx(userId, scope), {
      name: 'imagine',
      options: { prompt: `a fox ${userId}` },
    });
    const job = store.get(reply.jobId ?? '');
    if (!job) throw new Error(`not queued: ${JSON.stringify(reply.text)}`);
    return job;
  };
  /** Each job of the same request takes 2 s at the measured pace. */
  const measure = (job: Job) => {
    const pace = 2000 / job.estimatedCost;
    store.setCalibration('cpu', pace, 3);
    store.setCalibration('cpu:text_to_image', pace, 3);
  };
  return { queue, store, events, clock, commands, ctx, imagine, measure };
}

describe('a batched run’s jobs end with the run', () => {
  it('/queue says each waiting job of a run is ready when the run is, one after it when it and its own are', async () => {
    const { commands, ctx, imagine, measure } = setup();
    const jobs = [await imagine('a'), await imagine('b'), await imagine('c')];
    measure(jobs[0] as Job);
    const eta = async (userId: string) => {
      const listed = await commands.run(ctx(userId), { name: 'queue', options: {} });
      const line = listed.text.find((text) => text.key === 'queue.mine_queued');
      return line && t('en', line.key, line.params).match(/ready in about ([^(]*) \(/)?.[1];
    };
    // Three 2 s jobs in one run: all three ready in 6 s (each was said to be ready after its 2 s share).
    expect([await eta('a'), await eta('b'), await eta('c')]).toEqual(['6 seconds', '6 seconds', '6 seconds']);
  });

  it('counts a running run’s time left once for each of its jobs, and after it the one waiting behind', async () => {
    const { queue, store, events, clock, imagine, measure } = setup();
    const batched = [await imagine('a'), await imagine('b'), await imagine('c', 'guild:2')];
    measure(batched[0] as Job);
    queue.start();
    for (let i = 0; i < 200 && events.filter((e) => e.type === 'started').length < 3; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    const behind = await imagine('d');
    clock.now += 1500;

    const found = unfinishedIn({ queue, store, now: () => clock.now }, 'guild:1');
    // The run's 6 s less the 1.5 s gone, for each (not each 2 s share less 1.5 s: 0.5 s); the one behind 2 s later.
    expect(found.map(({ job, endsInMs }) => [job.id, endsInMs])).toEqual([
      [batched[0]?.id, 4500],
      [batched[1]?.id, 4500],
      [behind.id, 6500],
    ]);
  });
});
