// A private user's permutation: its further job's ephemeral follow-up was made once but Discord's answer was lost
// (post-retries.ts), so its message is unknown and only its interaction could ever edit it. The job goes on and
// its ending goes to the owner's DMs; with those closed it is kept undelivered (/queue lists it), and nothing
// throws past the adapter (the double watches for unhandled rejections). So does the job of a private first reply
// Discord answered 5xx at every try and never took (its token reaches nothing), and those of its follow-ups.
import { beforeAll, describe, expect, it } from 'vitest';
import type { FakeDiscord } from '../../doubles/fake-discord/index.js';
import {
  CALLBACK,
  CHANNEL_POST,
  choosePrivate,
  dmChannel,
  FOLLOW_UP,
  jobIdIn,
  jobsAsking,
  useDiscordOnDouble,
} from './double-bot.js';

const world = useDiscordOnDouble('discord-private-unconfirmed', {});
let fake: FakeDiscord;
beforeAll(async () => {
  fake = world.fake;
  await choosePrivate(fake, fake.world.users.bob);
});

/** Bob's two-job permutation whose follow-up (the second job's status message) is made but never confirmed. */
async function lostPrivateFollowUp(word: string) {
  const { bob } = fake.world.users;
  const ix = fake.build.slashCommand({
    name: 'imagine',
    options: { prompt: `a {${word} tin, ${word} clay} cup --steps 4` },
    user: bob,
  });
  fake.loseAnswer((c) => c.route === FOLLOW_UP && c.params.token === ix.token);
  fake.dispatchInteraction(ix);
  const posts = () => fake.callsTo((c) => c.route === FOLLOW_UP && c.params.token === ix.token);
  await expect.poll(() => posts().length, { timeout: 10_000 }).toBe(1);
  expect(posts().map((c) => c.status)).toEqual([500]);
  // Ephemeral, as everything a private user is answered with.
  expect((posts()[0]?.body as { flags?: number } | undefined)?.flags).toBe(64);
  return jobIdIn(posts()[0]?.body) as string;
}

const dmPostsOf = (jobId: string) =>
  fake.callsTo(
    (c) =>
      c.route === CHANNEL_POST &&
      c.params.channel === dmChannel(fake.world.users.bob) &&
      JSON.stringify(c.body).includes(jobId),
  );

describe('Discord: a private follow-up Discord never confirmed', { timeout: 60_000 }, () => {
  it('its job goes on, and its ending goes to the owner’s DMs, once', async () => {
    try {
      const jobId = await lostPrivateFollowUp('lostprivate');
      await expect.poll(() => world.deliveries.get(jobId), { timeout: 15_000, interval: 20 }).toBe('replied');
      expect(dmPostsOf(jobId).map((c) => c.status)).toEqual([200]);
      expect(JSON.stringify(dmPostsOf(jobId)[0]?.body)).toContain(`reroll:${jobId}`);
      // Nothing of it in the channel: a private result stays private.
      const inChannel = fake.callsTo(
        (c) => c.route === CHANNEL_POST && c.params.channel === fake.world.channel.id && c.body !== undefined,
      );
      expect(inChannel.filter((c) => JSON.stringify(c.body).includes(jobId))).toEqual([]);
      expect(jobsAsking(world.services, 'lostprivate').map((job) => job.status)).toEqual(['done', 'done']);
    } finally {
      fake.failures.clear();
    }
  });

  it('with the owner’s DMs closed, it is kept undelivered for /queue, and the bot goes on', async () => {
    const { bob } = fake.world.users;
    fake.failRoute((c) => c.route === CHANNEL_POST && c.params.channel === dmChannel(bob), {
      times: 1000,
      status: 403,
      code: 50007,
      message: 'Cannot send messages to this user',
    });
    try {
      const jobId = await lostPrivateFollowUp('closedprivate');
      await expect
        .poll(() => world.deliveries.get(jobId), { timeout: 15_000, interval: 20 })
        .toBe('undelivered');
      expect(dmPostsOf(jobId).map((c) => c.status)).toEqual([403]);
      const undelivered = world.services.jobs.store.deliveries.undeliveredOf({
        platform: 'discord',
        userId: bob.id,
      });
      expect(undelivered.map((job) => job.id)).toContain(jobId);
      fake.failures.clear();
      // The bot still answers: /queue hands the file over.
      const queue = fake.dispatchInteraction(fake.build.slashCommand({ name: 'queue', user: bob }));
      await fake.waitForCall(
        (c) => fake.answerOf(queue)(c) && JSON.stringify(c.body).includes(`original:${jobId}`),
        10_000,
      );
    } finally {
      fake.failures.clear();
    }
  });

  it('a private first reply answered 5xx at every try and never taken: its job ends in the owner’s DMs', async () => {
    const { bob } = fake.world.users;
    const ix = fake.build.slashCommand({
      name: 'imagine',
      options: { prompt: 'a nevershown fox --steps 4' },
      user: bob,
    });
    fake.failRoute((c) => c.route === CALLBACK && c.params.id === ix.id, { times: 4, status: 503 });
    try {
      fake.dispatchInteraction(ix);
      await expect.poll(() => jobsAsking(world.services, 'nevershown').length, { timeout: 10_000 }).toBe(1);
      const jobId = jobsAsking(world.services, 'nevershown')[0]?.id as string;
      await expect.poll(() => world.deliveries.get(jobId), { timeout: 15_000, interval: 20 }).toBe('replied');
      expect(jobsAsking(world.services, 'nevershown').map((job) => job.status)).toEqual(['done']);
      expect(dmPostsOf(jobId).map((c) => c.status)).toEqual([200]);
      expect(JSON.stringify(dmPostsOf(jobId)[0]?.body)).toContain(`reroll:${jobId}`);
      const inChannel = fake.callsTo(
        (c) => c.route === CHANNEL_POST && c.params.channel === fake.world.channel.id && c.body !== undefined,
      );
      expect(inChannel.filter((c) => JSON.stringify(c.body).includes(jobId))).toEqual([]);
    } finally {
      fake.failures.clear();
    }
  });

  it('a private permutation never taken: its follow-up refused (Unknown Webhook), each job ends in the DMs', async () => {
    const { bob } = fake.world.users;
    const ix = fake.build.slashCommand({
      name: 'imagine',
      options: { prompt: 'a {neverprivate tin, neverprivate clay} cup --steps 4' },
      user: bob,
    });
    fake.failRoute((c) => c.route === CALLBACK && c.params.id === ix.id, { times: 4, status: 503 });
    try {
      fake.dispatchInteraction(ix);
      await expect.poll(() => jobsAsking(world.services, 'neverprivate').length, { timeout: 10_000 }).toBe(2);
      const jobs = jobsAsking(world.services, 'neverprivate').map((job) => job.id);
      for (const jobId of jobs)
        await expect
          .poll(() => world.deliveries.get(jobId), { timeout: 15_000, interval: 20 })
          .toBe('replied');
      const followUps = fake.callsTo((c) => c.route === FOLLOW_UP && c.params.token === ix.token);
      expect(followUps.map((c) => c.status)).toEqual([404]);
      const inChannel = fake.callsTo(
        (c) => c.route === CHANNEL_POST && c.params.channel === fake.world.channel.id && c.body !== undefined,
      );
      for (const jobId of jobs) {
        expect(dmPostsOf(jobId).map((c) => c.status)).toEqual([200]);
        expect(JSON.stringify(dmPostsOf(jobId)[0]?.body)).toContain(`reroll:${jobId}`);
        expect(inChannel.filter((c) => JSON.stringify(c.body).includes(jobId))).toEqual([]);
      }
      const owner = { platform: 'discord' as const, userId: bob.id };
      const kept = world.services.jobs.store.deliveries.undeliveredOf(owner).map((job) => job.id);
      expect(kept.filter((id) => jobs.includes(id))).toEqual([]);
    } finally {
      fake.failures.clear();
    }
  });
});
