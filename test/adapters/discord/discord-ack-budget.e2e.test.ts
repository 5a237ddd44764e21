// Discord's 3 seconds to acknowledge count from the interaction's creation, not from when the bot got to it: an
// interaction the gateway delivers late is deferred sooner, and a pick under a mention is acknowledged before
// anything slow. Each job still ends in its status message.
import type { APIMessage } from 'discord.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { ackBudgetMs } from '../../../adapters/discord/answer.js';
import type { Services } from '../../../src/services.js';
import { type FakeDiscord, mention } from '../../doubles/fake-discord/index.js';
import { solidPng } from '../e2e-services.js';
import { CHANNEL_EDIT, CHANNEL_POST, FOLLOW_UP, jobsAsking, useDiscordOnDouble } from './double-bot.js';

const CDN = 'GET /attachments/:channel/:attachment/:filename';
const CHANNEL_GET = 'GET /channels/:channel/messages/:message';

const world = useDiscordOnDouble('discord-ack-budget', {});
let fake: FakeDiscord;
let services: Services;
beforeAll(() => {
  fake = world.fake;
  services = world.services;
});

const jobIdIn = (body: unknown) => /cancel:([0-9a-f-]{36})/.exec(JSON.stringify(body))?.[1];

describe('the acknowledgement budget', () => {
  it('is what is left of 2 s since creation, never more, and never below a small minimum', () => {
    const now = 1_000_000;
    expect(ackBudgetMs(now, now)).toBe(2000);
    expect(ackBudgetMs(now - 1500, now)).toBe(500);
    expect(ackBudgetMs(now - 5000, now)).toBeGreaterThan(0);
    expect(ackBudgetMs(now - 5000, now)).toBeLessThanOrEqual(250);
    // A clock behind Discord's sees an interaction from the future: the budget stays 2 s.
    expect(ackBudgetMs(now + 5000, now)).toBe(2000);
  });
});

describe('Discord: late interactions', { timeout: 60_000 }, () => {
  it('a slash command delivered 1.5 s late with a slow attachment is deferred within 3 s of its creation', async () => {
    const image = fake.registerAttachment({ filename: 'slow.png', bytes: await solidPng('#c33') });
    fake.delayRoute(CDN, 1700);
    const ix = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'edit', options: { image, instruction: 'bluer --steps 4' } }),
      { lateMs: 1500 },
    );
    const queued = await fake.waitForCall(
      (c) => fake.answerOf(ix)(c) && jobIdIn(c.body) !== undefined,
      10_000,
    );
    const jobId = jobIdIn(queued.body) as string;
    const state = fake.interaction(ix.id);
    expect(state?.missedDeadline).toBeFalsy();
    expect(state?.ack?.type).toBe(5);
    expect((state?.ack?.at ?? Infinity) - (state?.dispatchedAt ?? 0)).toBeLessThan(3000);
    await expect.poll(() => world.deliveries.get(jobId), { timeout: 15_000, interval: 20 }).toBe('edited');
  });

  it('a deferral Discord refuses as too late (10062): the job its reply starts is withdrawn, never run', async () => {
    const image = fake.registerAttachment({ filename: 'late.png', bytes: await solidPng('#3c3') });
    fake.delayRoute(CDN, 800);
    try {
      // Past the 3 s already: the deferral is refused, the user sees "The application did not respond".
      const ix = fake.dispatchInteraction(
        fake.build.slashCommand({
          name: 'edit',
          options: { image, instruction: 'toolate greener --steps 4' },
        }),
        { lateMs: 3200 },
      );
      await expect.poll(() => fake.interaction(ix.id)?.missedDeadline, { timeout: 5000 }).toBe(true);
      await expect
        .poll(() => jobsAsking(services, 'toolate').map((job) => job.status), { timeout: 10_000 })
        .toEqual(['cancelled']);
      // Withdrawn, not run for no one and listed later as a lost result; a retry runs once.
      expect(
        services.jobs.store.deliveries.undeliveredOf({
          platform: 'discord',
          userId: fake.world.users.alice.id,
        }),
      ).toEqual([]);
    } finally {
      fake.failures.clear();
    }
  });

  it('a late pick under a mention is acknowledged first (the select removed in the same call); the job follows', async () => {
    const red = await solidPng('#a22');
    const green = await solidPng('#2a2');
    const ask = fake.dispatchMessage(
      fake.build.userMessage({
        content: `${mention(fake.world.botUser)} make it brighter --steps 4`,
        mentions: [fake.world.botUser],
        attachments: [
          fake.registerAttachment({ filename: 'left.png', bytes: red }),
          fake.registerAttachment({ filename: 'right.png', bytes: green }),
        ],
      }),
    );
    await fake.waitForCall(
      (c) => c.route === CHANNEL_POST && JSON.stringify(c.body).includes(`pick:mention:${ask.id}`),
    );
    const picker = [...fake.store.messages.values()].find((m) =>
      JSON.stringify(m.components ?? []).includes(`pick:mention:${ask.id}`),
    ) as APIMessage;
    const customId = `pick:mention:${ask.id}`;

    // A stranger's pick is refused and the select stays; here neither the payload nor the cache names who asked,
    // so the mention is fetched.
    const { referenced_message: _, ...bare } = picker;
    const channel = world.bot.client.channels.cache.get(fake.world.channel.id);
    if (!channel?.isTextBased()) throw new Error('the channel is not cached');
    // The bot caches the picker (and the mention it replies to) once Discord's answer to the post has come back.
    await expect.poll(() => channel.messages.cache.has(picker.id)).toBe(true);
    channel.messages.cache.clear();
    const stranger = fake.dispatchInteraction(
      fake.build.selectMenu({ customId, values: ['0'], message: bare, user: fake.world.users.bob }),
    );
    await fake.waitForCall(fake.answerOf(stranger));
    expect(fake.interaction(stranger.id)?.ack?.type).toBe(4);
    expect(fake.callsTo((c) => c.route === CHANNEL_GET && c.params.message === ask.id)).toHaveLength(1);
    expect(JSON.stringify(fake.message(picker.id)?.components)).toContain(customId);

    // Taking the select away through the channel would have been slow: the pick must not wait for it.
    fake.delayRoute(CHANNEL_EDIT, 1500);
    try {
      const pick = fake.dispatchInteraction(
        fake.build.selectMenu({ customId, values: ['1'], message: picker }),
        {
          lateMs: 1600,
        },
      );
      const settled = () =>
        fake.interaction(pick.id)?.ack !== undefined || fake.interaction(pick.id)?.missedDeadline;
      await expect.poll(settled, { timeout: 10_000, interval: 20 }).toBe(true);
      const state = fake.interaction(pick.id);
      expect(state?.missedDeadline).toBeFalsy();
      expect(state?.ack?.type).toBe(7);
      expect(fake.message(picker.id)?.components ?? []).toEqual([]);
      const status = await fake.waitForCall(
        (c) => c.route === FOLLOW_UP && c.params.token === pick.token && jobIdIn(c.body) !== undefined,
        10_000,
      );
      const jobId = jobIdIn(status.body) as string;
      expect(services.jobs.store.readFile(jobId, 'input.png').equals(green)).toBe(true);
      await expect.poll(() => world.deliveries.get(jobId), { timeout: 15_000, interval: 20 }).toBe('edited');
    } finally {
      fake.failures.clear();
    }
  });
});
