// Discord carried out an acknowledgement but its answer never came back (a 5xx from a proxy, a dropped
// connection); discord.js retries and meets 40060 "already acknowledged". The interaction is answered: the job's
// status message is the interaction's @original and carries the job to its end, a pick's job still starts, and no
// error is stacked on top of an answer the user already sees.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { t } from '../../../src/i18n.js';
import { type FakeDiscord, mention } from '../../doubles/fake-discord/index.js';
import { solidPng } from '../e2e-services.js';
import {
  CALLBACK,
  CHANNEL_POST,
  EDIT,
  FOLLOW_UP,
  jobIdIn,
  jobsAsking,
  mentionWithTwoImages,
  useDiscordOnDouble,
} from './double-bot.js';

const CDN = 'GET /attachments/:channel/:attachment/:filename';

const world = useDiscordOnDouble('discord-lost-answers', {});
let fake: FakeDiscord;
beforeAll(() => {
  fake = world.fake;
});

const callbacksOf = (id: string) => fake.callsTo((c) => c.route === CALLBACK && c.params.id === id);

describe('Discord: an acknowledgement taken but its answer lost', { timeout: 60_000 }, () => {
  for (const lost of [500, 'reset'] as const) {
    it(`a job's first reply (answer lost: ${lost}) stays its status message through to the result`, async () => {
      const word = `lostreply${lost}`;
      const warn = vi.spyOn(world.log, 'warn');
      fake.loseAnswer(CALLBACK, { status: lost });
      try {
        const ix = fake.dispatchInteraction(
          fake.build.slashCommand({ name: 'imagine', options: { prompt: `a ${word} fox --steps 4` } }),
        );
        // The first try was carried out (the message exists); the retry was refused as already acknowledged.
        await expect
          .poll(() => callbacksOf(ix.id).map((c) => c.status), { timeout: 10_000 })
          .toEqual([lost === 'reset' ? -1 : 500, 400]);
        await expect.poll(() => jobsAsking(world.services, word).length, { timeout: 10_000 }).toBe(1);
        const jobId = jobsAsking(world.services, word)[0]?.id as string;
        await expect
          .poll(() => world.deliveries.get(jobId), { timeout: 15_000, interval: 20 })
          .toBe('edited');
        const original = fake.interaction(ix.id)?.originalMessageId as string;
        expect(JSON.stringify(fake.message(original))).toContain(`reroll:${jobId}`);
        // Progress and the result went to that message, not to new ones.
        expect(fake.callsTo((c) => c.route === EDIT && c.params.token === ix.token).length).toBeGreaterThan(
          0,
        );
        expect(fake.callsTo((c) => c.route === CHANNEL_POST || c.route === FOLLOW_UP)).toEqual([]);
        expect(jobsAsking(world.services, word)).toHaveLength(1);
        expect(warn).not.toHaveBeenCalled();
      } finally {
        warn.mockRestore();
        fake.failures.clear();
      }
    });
  }

  it('a deferral whose answer was lost is edited into the job’s status message', async () => {
    const image = fake.registerAttachment({ filename: 'slow.png', bytes: await solidPng('#36c') });
    fake.delayRoute(CDN, 2300);
    fake.loseAnswer(CALLBACK);
    try {
      const ix = fake.dispatchInteraction(
        fake.build.slashCommand({ name: 'edit', options: { image, instruction: 'lostdefer --steps 4' } }),
      );
      const status = await fake.waitForCall(
        (c) => c.route === EDIT && c.params.token === ix.token && jobIdIn(c.body) !== undefined,
        10_000,
      );
      expect(fake.interaction(ix.id)?.ack?.type).toBe(5);
      expect(callbacksOf(ix.id).map((c) => c.status)).toEqual([500, 400]);
      const jobId = jobIdIn(status.body) as string;
      await expect.poll(() => world.deliveries.get(jobId), { timeout: 15_000, interval: 20 }).toBe('edited');
      expect(jobsAsking(world.services, 'lostdefer')).toHaveLength(1);
    } finally {
      fake.failures.clear();
    }
  });

  it('a deferral’s first edit answered 5xx at every try: the job goes on, its later edits reach @original', async () => {
    const image = fake.registerAttachment({ filename: 'slow.png', bytes: await solidPng('#c63') });
    fake.delayRoute(CDN, 2300);
    const ix = fake.build.slashCommand({
      name: 'edit',
      options: { image, instruction: 'lostedit --steps 4' },
    });
    const edits = () => fake.callsTo((c) => c.route === EDIT && c.params.token === ix.token);
    fake.failRoute((c) => c.route === EDIT && c.params.token === ix.token, { times: 4, status: 502 });
    try {
      fake.dispatchInteraction(ix);
      await expect.poll(() => edits().length, { timeout: 10_000 }).toBeGreaterThanOrEqual(4);
      const jobId = jobIdIn(edits()[0]?.body) as string;
      await expect.poll(() => world.deliveries.get(jobId), { timeout: 15_000, interval: 20 }).toBe('edited');
      expect(jobsAsking(world.services, 'lostedit').map((job) => job.status)).toEqual(['done']);
      // No "try again" was written over the job's message.
      const generic = t('en', 'errors.generic');
      expect(edits().filter((c) => JSON.stringify(c.body).includes(generic))).toEqual([]);
      expect(JSON.stringify(edits().at(-1)?.body)).toContain(`reroll:${jobId}`);
    } finally {
      fake.failures.clear();
    }
  });

  it('a refusal whose answer was lost gets no second word (the user sees the first)', async () => {
    const warn = vi.spyOn(world.log, 'warn');
    fake.loseAnswer(CALLBACK);
    try {
      const ix = fake.dispatchInteraction(
        fake.build.slashCommand({ name: 'imagine', options: { prompt: 'a fox --steps 0' } }),
      );
      await expect.poll(() => callbacksOf(ix.id).length, { timeout: 10_000 }).toBe(2);
      expect(fake.interaction(ix.id)?.ack?.type).toBe(4);
      // Nothing else is tried: no edit of the refusal into an error, no third callback.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(callbacksOf(ix.id)).toHaveLength(2);
      expect(
        fake.callsTo((c) => c.params.token === ix.token && c.method !== 'GET' && c.route !== CALLBACK),
      ).toEqual([]);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
      fake.failures.clear();
    }
  });

  it('a pick under a mention whose update was lost still starts its job', async () => {
    const { customId, picker } = await mentionWithTwoImages(fake, 'lostpick brighter --steps 4');
    fake.loseAnswer(CALLBACK);
    try {
      const pick = fake.dispatchInteraction(
        fake.build.selectMenu({ customId, values: ['1'], message: picker }),
      );
      const status = await fake.waitForCall(
        (c) => c.route === FOLLOW_UP && c.params.token === pick.token && jobIdIn(c.body) !== undefined,
        10_000,
      );
      expect(callbacksOf(pick.id).map((c) => c.status)).toEqual([500, 400]);
      expect(fake.message(picker.id)?.components ?? []).toEqual([]);
      const jobId = jobIdIn(status.body) as string;
      await expect.poll(() => world.deliveries.get(jobId), { timeout: 15_000, interval: 20 }).toBe('edited');
    } finally {
      fake.failures.clear();
    }
  });

  for (const lost of [500, 'reset'] as const) {
    it(`a follow-up whose answer was lost (${lost}) is not posted again; its job goes on and ends in a new message`, async () => {
      const { customId, picker } = await mentionWithTwoImages(fake, `lostfollowup${lost} brighter --steps 4`);
      fake.loseAnswer(FOLLOW_UP, { status: lost });
      try {
        const pick = fake.dispatchInteraction(
          fake.build.selectMenu({ customId, values: ['1'], message: picker }),
        );
        const posts = () => fake.callsTo((c) => c.route === FOLLOW_UP && c.params.token === pick.token);
        await expect.poll(() => posts().length, { timeout: 10_000 }).toBe(1);
        const jobId = jobIdIn(posts()[0]?.body) as string;
        expect(jobId).toBeDefined();
        // Not edited (its message is unknown), nor undelivered: the ending is a new message in the channel.
        await expect
          .poll(() => world.deliveries.get(jobId), { timeout: 15_000, interval: 20 })
          .toBe('replied');
        // Discord made the message once: discord.js did not post it again, and no "try again" followed it.
        expect(posts().map((c) => c.status)).toEqual([lost === 'reset' ? -1 : 500]);
        const carrying = [...fake.store.messages.values()].filter(
          (m) => m.interaction_metadata?.id === pick.id && jobIdIn(m.components) === jobId,
        );
        expect(carrying).toHaveLength(1);
        const ending = fake.callsTo((c) => c.route === CHANNEL_POST && jobIdIn(c.body) === jobId);
        expect(ending.map((c) => c.status)).toEqual([200]);
        // The job was not withdrawn: it ran once, to its result.
        const asked = jobsAsking(world.services, `lostfollowup${lost}`);
        expect(asked.map((job) => job.status)).toEqual(['done']);
      } finally {
        fake.failures.clear();
      }
    });
  }

  it('a permutation’s follow-up whose answer was lost is not posted again; its job ends in a new message', async () => {
    const ix = fake.build.slashCommand({
      name: 'imagine',
      options: { prompt: 'a {lostperm tin, lostperm clay} cup --steps 4' },
    });
    fake.loseAnswer((c) => c.route === FOLLOW_UP && c.params.token === ix.token);
    try {
      fake.dispatchInteraction(ix);
      const posts = () => fake.callsTo((c) => c.route === FOLLOW_UP && c.params.token === ix.token);
      await expect.poll(() => posts().length, { timeout: 10_000 }).toBe(1);
      const jobId = jobIdIn(posts()[0]?.body) as string;
      await expect.poll(() => world.deliveries.get(jobId), { timeout: 15_000, interval: 20 }).toBe('replied');
      expect(posts().map((c) => c.status)).toEqual([500]);
      const ending = fake.callsTo((c) => c.route === CHANNEL_POST && jobIdIn(c.body) === jobId);
      expect(ending.map((c) => c.status)).toEqual([200]);
      expect(jobsAsking(world.services, 'lostperm').map((job) => job.status)).toEqual(['done', 'done']);
    } finally {
      fake.failures.clear();
    }
  });

  it('a post in the channel whose answer was lost is retried without a second message (an enforced nonce)', async () => {
    fake.loseAnswer(CHANNEL_POST);
    try {
      const ask = fake.dispatchMessage(
        fake.build.userMessage({
          content: `${mention(fake.world.botUser)} a lostpost fox --steps 4`,
          mentions: [fake.world.botUser],
        }),
      );
      // A 429 (the channel's posts of the tests before) is waited out by discord.js: it makes no message.
      const posts = () =>
        fake.callsTo(
          (c) => c.route === CHANNEL_POST && c.status !== 429 && JSON.stringify(c.body).includes(ask.id),
        );
      await expect.poll(() => posts().map((c) => c.status), { timeout: 10_000 }).toEqual([500, 200]);
      const [first, retry] = posts();
      expect((first?.body as { nonce?: string } | undefined)?.nonce).toBeTruthy();
      expect(retry?.body).toEqual(first?.body);
      const replies = [...fake.store.messages.values()].filter(
        (m) => m.message_reference?.message_id === ask.id,
      );
      expect(replies).toHaveLength(1);
      const jobId = jobIdIn(replies[0]) as string;
      await expect.poll(() => world.deliveries.get(jobId), { timeout: 15_000, interval: 20 }).toBe('edited');
      expect(jobsAsking(world.services, 'lostpost')).toHaveLength(1);
    } finally {
      fake.failures.clear();
    }
  });

  it('a reply to a mention with every try answered 5xx: its job goes on (no “try again”) and ends in a reply', async () => {
    const ask = fake.dispatchMessage(
      fake.build.userMessage({
        content: `${mention(fake.world.botUser)} a lostmention fox --steps 4`,
        mentions: [fake.world.botUser],
      }),
    );
    const toAsk = (c: { route: string; body: unknown }) =>
      c.route === CHANNEL_POST && JSON.stringify(c.body).includes(ask.id);
    // discord.js tries it four times; the enforced nonce would have kept a copy from any of them.
    fake.failRoute(toAsk, { times: 4, status: 503 });
    try {
      const first = await fake.waitForCall(toAsk, 10_000);
      const jobId = jobIdIn(first.body) as string;
      await expect.poll(() => world.deliveries.get(jobId), { timeout: 15_000, interval: 20 }).toBe('replied');
      const posts = fake.callsTo((c) => toAsk(c) && c.status !== 429);
      // Four tries of the first reply, then the ending: no "try again" between them.
      expect(posts.map((c) => c.status)).toEqual([503, 503, 503, 503, 200]);
      expect(JSON.stringify(posts.at(-1)?.body)).toContain(`reroll:${jobId}`);
      expect(jobsAsking(world.services, 'lostmention').map((job) => job.status)).toEqual(['done']);
    } finally {
      fake.failures.clear();
    }
  });

  it('a first reply whose last try Discord took, every answer a 5xx: the job goes on, its ending edits that reply', async () => {
    const ix = fake.build.slashCommand({ name: 'imagine', options: { prompt: 'a lasttry fox --steps 4' } });
    const mine = (c: { route: string; params: Record<string, string> }) =>
      c.route === CALLBACK && c.params.id === ix.id;
    // Three tries refused, the fourth (discord.js's last) carried out with its answer lost: no 40060 to tell.
    fake.failRoute(mine, { times: 3, status: 503 });
    fake.loseAnswer(mine, { status: 503 });
    try {
      fake.dispatchInteraction(ix);
      await expect
        .poll(() => callbacksOf(ix.id).map((c) => c.status), { timeout: 10_000 })
        .toEqual([503, 503, 503, 503]);
      const original = () => fake.message(fake.interaction(ix.id)?.originalMessageId ?? '');
      const jobId = jobIdIn(original()) as string;
      expect(jobId).toBeDefined();
      await expect.poll(() => world.deliveries.get(jobId), { timeout: 15_000, interval: 20 }).toBe('edited');
      expect(jobsAsking(world.services, 'lasttry').map((job) => job.status)).toEqual(['done']);
      expect(JSON.stringify(original())).toContain(`reroll:${jobId}`);
      // The reply the user sees was never followed by a "try again", nor by a second message of the job.
      const generic = t('en', 'errors.generic');
      const told = fake.callsTo(
        (c) => c.params.token === ix.token && `${JSON.stringify(c.body)}`.includes(generic),
      );
      expect(told).toEqual([]);
      expect(fake.callsTo((c) => c.route === CHANNEL_POST && jobIdIn(c.body) === jobId)).toEqual([]);
    } finally {
      fake.failures.clear();
    }
  });

  it('a first reply answered 5xx at every try and never taken: the job goes on and ends in a new message', async () => {
    const ix = fake.build.slashCommand({
      name: 'imagine',
      options: { prompt: 'a nevertaken fox --steps 4' },
    });
    fake.failRoute((c) => c.route === CALLBACK && c.params.id === ix.id, { times: 4, status: 503 });
    try {
      fake.dispatchInteraction(ix);
      await expect.poll(() => jobsAsking(world.services, 'nevertaken').length, { timeout: 10_000 }).toBe(1);
      const jobId = jobsAsking(world.services, 'nevertaken')[0]?.id as string;
      await expect.poll(() => world.deliveries.get(jobId), { timeout: 15_000, interval: 20 }).toBe('replied');
      expect(callbacksOf(ix.id).map((c) => c.status)).toEqual([503, 503, 503, 503]);
      expect(fake.interaction(ix.id)?.ack).toBeUndefined();
      // Its token reaches nothing (Unknown Webhook): the status message is tried once, then given up on.
      const edits = fake.callsTo((c) => c.route === EDIT && c.params.token === ix.token);
      expect(edits.map((c) => c.status)).toEqual([404]);
      expect(jobsAsking(world.services, 'nevertaken').map((job) => job.status)).toEqual(['done']);
      // The token of an interaction never acknowledged reaches nothing: the result is posted in the channel,
      // naming its owner.
      const ending = fake.callsTo((c) => c.route === CHANNEL_POST && jobIdIn(c.body) === jobId);
      expect(ending.map((c) => c.status)).toEqual([200]);
      expect(JSON.stringify(ending[0]?.body)).toContain(`<@${fake.world.users.alice.id}>`);
      expect(JSON.stringify(ending[0]?.body)).toContain(`reroll:${jobId}`);
    } finally {
      fake.failures.clear();
    }
  });

  it('a permutation’s first reply never taken: every job goes on, each ending in a new message naming its owner', async () => {
    // A user of its own: a result kept for /queue would be told at their next command, not at another test's.
    const user = { ...fake.world.users.bob, id: '950000000000000001', username: 'fern' };
    const ix = fake.build.slashCommand({
      name: 'imagine',
      options: { prompt: 'a {neverperm tin, neverperm clay} cup --steps 4' },
      user,
    });
    fake.failRoute((c) => c.route === CALLBACK && c.params.id === ix.id, { times: 4, status: 503 });
    try {
      fake.dispatchInteraction(ix);
      await expect.poll(() => jobsAsking(world.services, 'neverperm').length, { timeout: 10_000 }).toBe(2);
      const [first, second] = jobsAsking(world.services, 'neverperm').map((job) => job.id);
      await expect.poll(() => world.deliveries.get(first as string), { timeout: 15_000 }).toBe('replied');
      // The follow-up was refused (Unknown Webhook: the token of an interaction never acknowledged), as its first
      // reply's edits: its ending, like the first job's, is a new message in the channel naming its owner.
      await expect.poll(() => world.deliveries.get(second as string), { timeout: 15_000 }).toBe('replied');
      expect(jobsAsking(world.services, 'neverperm').map((job) => job.status)).toEqual(['done', 'done']);
      const followUps = fake.callsTo((c) => c.route === FOLLOW_UP && c.params.token === ix.token);
      expect(followUps.map((c) => c.status)).toEqual([404]);
      expect(
        fake.callsTo((c) => c.route === EDIT && c.params.token === ix.token).map((c) => c.status),
      ).toEqual([404]);
      for (const job of [first, second]) {
        const ending = fake.callsTo((c) => c.route === CHANNEL_POST && jobIdIn(c.body) === job);
        expect(ending.map((c) => c.status)).toEqual([200]);
        expect(JSON.stringify(ending[0]?.body)).toContain(`<@${user.id}>`);
        expect(JSON.stringify(ending[0]?.body)).toContain(`reroll:${job}`);
      }
      // Nothing was made twice, and nothing is kept for /queue.
      const owner = { platform: 'discord' as const, userId: user.id };
      expect(world.services.jobs.store.deliveries.undeliveredOf(owner)).toEqual([]);
    } finally {
      fake.failures.clear();
    }
  });

  it('an answer Discord refuses for good withdraws the job it started: “try again” is true, nothing runs twice', async () => {
    fake.failRoute(CALLBACK, { status: 400, code: 50035, message: 'Invalid Form Body' });
    try {
      const ix = fake.dispatchInteraction(
        fake.build.slashCommand({ name: 'imagine', options: { prompt: 'a refusedanswer fox --steps 4' } }),
      );
      await expect
        .poll(() => jobsAsking(world.services, 'refusedanswer')[0]?.status, { timeout: 10_000 })
        .toBe('cancelled');
      const job = jobsAsking(world.services, 'refusedanswer')[0];
      const told = await fake.waitForCall(fake.answerOf(ix), 10_000);
      expect(JSON.stringify(told.body)).toContain('Something went wrong. Please try again.');
      await expect.poll(() => world.deliveries.get(job?.id ?? ''), { timeout: 10_000 }).toBe('undelivered');
      // A withdrawn job is no lost result: it is not listed as one, nor announced at the next command.
      expect(
        world.services.jobs.store.deliveries.undeliveredOf(job?.owner ?? { platform: 'discord', userId: '' }),
      ).toEqual([]);
    } finally {
      fake.failures.clear();
    }
  });
});
