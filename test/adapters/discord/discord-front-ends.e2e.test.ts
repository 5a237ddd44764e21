// Two front-ends of one shared queue (QUEUE_URL), each a Discord bot logged in with the same token: Discord sends
// every interaction and every mention to both sessions, and exactly one of them handles each (the claim in Redis);
// the other neither queues a job nor answers. Runs against the real Redis, skipped like the distributed tests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscord } from '../../../adapters/discord/index.js';
import type { Delivery } from '../../../adapters/shared/job-status.js';
import { buildCommands } from '../../../src/app-services.js';
import { removeAllKeys, SharedState } from '../../../src/jobs/distributed/shared-state.js';
import { DistributedWorker } from '../../../src/jobs/distributed/worker.js';
import type { Services } from '../../../src/services.js';
import { type FakeDiscord, mention, startFakeDiscord } from '../../doubles/fake-discord/index.js';
import { watchUnhandledRejections } from '../../doubles/shared/unhandled.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { REDIS_URL, skipWithoutRedis, uniquePrefix } from '../../jobs/distributed/redis-harness.js';
import { openE2eServices } from '../e2e-services.js';

const CALLBACK = 'POST /interactions/:id/:token/callback';
const CHANNEL_POST = 'POST /channels/:channel/messages';

const skip = await skipWithoutRedis();

interface FrontEnd {
  services: Services;
  stop(): Promise<void>;
  /** The jobs this front-end queued. */
  queued: Set<string>;
  deliveries: Map<string, Delivery>;
}

describe.skipIf(skip)('Discord on several front-ends of a shared queue', { timeout: 60_000 }, () => {
  const prefix = uniquePrefix();
  const fronts: FrontEnd[] = [];
  const unhandled = watchUnhandledRejections();
  let fake: FakeDiscord;
  let state: SharedState;
  let worker: DistributedWorker;

  beforeAll(async () => {
    fake = await startFakeDiscord();
    for (const name of ['a', 'b']) {
      const { config, log, services } = await openE2eServices(`discord-front-${name}`, {
        DISCORD_TOKEN: fake.token,
        RATE_LIMIT_PER_MINUTE: '0',
        QUEUE_URL: REDIS_URL,
        QUEUE_PREFIX: prefix,
      });
      const front: FrontEnd = {
        services,
        stop: async () => undefined,
        queued: new Set(),
        deliveries: new Map(),
      };
      services.jobs.queue.subscribe((event) => {
        if (event.type === 'queued') front.queued.add(event.job.id);
      });
      const running = await startDiscord(
        { config, log },
        services,
        buildCommands({ config, log }, services),
        {
          rest: fake.clientOptions().rest,
          cdnHosts: fake.cdnHosts,
          editIntervalMs: 50,
          onDelivery: (jobId, delivery) => front.deliveries.set(jobId, delivery),
        },
      );
      front.stop = running.stop;
      services.start();
      fronts.push(front);
    }
    state = new SharedState(REDIS_URL, prefix);
    worker = new DistributedWorker({
      state,
      url: REDIS_URL,
      engine: new TimedEngineDouble(20, 4),
      jobTimeoutMs: 60_000,
    });
    await worker.start();
  }, 60_000);

  afterAll(async () => {
    unhandled.stop();
    await worker?.close(5000);
    for (const front of fronts) {
      await front.stop();
      await front.services.close();
    }
    await fake?.stop();
    if (state) {
      await removeAllKeys(state.redis, prefix);
      await state.close();
    }
  });

  const jobs = () => fronts.flatMap((front) => [...front.queued]);
  const deliveryOf = (jobId: string) => fronts.map((f) => f.deliveries.get(jobId)).find((d) => d);
  /** Waits until the one job has been delivered, then for anything a second handler might still do. */
  async function oneJobDelivered(before: number): Promise<string> {
    await expect.poll(() => jobs().length, { timeout: 15_000, interval: 20 }).toBeGreaterThan(before);
    const jobId = jobs()[before] as string;
    await expect.poll(() => deliveryOf(jobId), { timeout: 20_000, interval: 20 }).toBe('edited');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(jobs()).toHaveLength(before + 1);
    return jobId;
  }

  it('both sessions receive one /imagine; one front-end queues one job, acknowledges once and delivers it', async () => {
    expect(fake.gateway.connected).toBe(2);
    const before = jobs().length;
    const ix = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'imagine', options: { prompt: 'one fox --steps 4' } }),
    );
    await oneJobDelivered(before);
    const callbacks = fake.callsTo((c) => c.route === CALLBACK && c.params.id === ix.id);
    expect(callbacks).toHaveLength(1);
    expect(callbacks[0]?.status).toBeLessThan(300);
    expect(fake.interaction(ix.id)?.missedDeadline).toBeFalsy();
    expect(unhandled.rejections).toEqual([]);
  });

  it('both sessions receive one mention; one front-end replies once and queues one job', async () => {
    const before = jobs().length;
    const ask = fake.dispatchMessage(
      fake.build.userMessage({
        content: `${mention(fake.world.botUser)} one owl --steps 4`,
        mentions: [fake.world.botUser],
      }),
    );
    await oneJobDelivered(before);
    const replies = fake.callsTo((c) => c.route === CHANNEL_POST && JSON.stringify(c.body).includes(ask.id));
    expect(replies).toHaveLength(1);
    expect(unhandled.rejections).toEqual([]);
  });
});
