// What a Discord audit reproduced with the real discord.js client against the in-repo fake: a double click on Re-roll
// starts one job, not two (the second press is acknowledged silently); a status message whose channel refuses the
// bot for good is tried once, not at every progress state; a private job past its interaction token is not tried at
// all. In both cases the ending still reaches its owner, by DM.
import type { APIMessage } from 'discord.js';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DiscordCall, FakeDiscord } from '../../doubles/fake-discord/index.js';
import {
  CALLBACK,
  CHANNEL_EDIT,
  CHANNEL_POST,
  dmChannel,
  EDIT,
  jobIdIn,
  useDiscordOnDouble,
} from './double-bot.js';

const CHANNEL_GET = 'GET /channels/:channel';

const world = useDiscordOnDouble('discord-refused-status', { QUEUE_MAX_PER_USER: '10' });
const { deliveries, queuedJob, ended } = world;
let fake: FakeDiscord;
beforeAll(() => ({ fake } = world));
afterEach(() => {
  fake.failures.clear();
  vi.restoreAllMocks();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The warnings the bot logged about `jobId`. */
function warningsAbout(jobId: string) {
  const warn = vi.spyOn(world.log, 'warn');
  return () =>
    warn.mock.calls
      .filter(([fields]) => typeof fields === 'object' && (fields as { jobId?: string })?.jobId === jobId)
      .map(([, message]) => message);
}

/** The DM that carries the job's result. */
function dmOf(user: { id: string }, jobId: string): DiscordCall | undefined {
  return fake
    .callsTo(CHANNEL_POST)
    .find((c) => c.params.channel === dmChannel(user) && JSON.stringify(c.body).includes(`reroll:${jobId}`));
}

describe('Discord: a double click and a refusing channel', { timeout: 60_000 }, () => {
  it('Re-roll pressed twice quickly starts one job; the second press is acknowledged silently', async () => {
    const ix = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'imagine', options: { prompt: 'a fox --steps 2' } }),
    );
    const jobId = await queuedJob(ix);
    await ended(jobId);
    const message = fake.message(fake.interaction(ix.id)?.originalMessageId ?? '') as APIMessage;
    const first = fake.dispatchInteraction(fake.build.buttonPress({ customId: `reroll:${jobId}`, message }));
    const second = fake.dispatchInteraction(fake.build.buttonPress({ customId: `reroll:${jobId}`, message }));
    const rerolled = await queuedJob(first);
    expect(rerolled).not.toBe(jobId);
    const ack = await fake.waitForCall((c) => c.route === CALLBACK && c.params.id === second.id);
    expect((ack.body as { type: number }).type).toBe(6);
    await sleep(500);
    expect(fake.callsTo((c) => c.route === EDIT && c.params.token === second.token)).toEqual([]);
    const jobsOfRerolls = fake.calls
      .filter((c) => fake.answerOf(first)(c) || fake.answerOf(second)(c))
      .map((c) => jobIdIn(c.body))
      .filter((id) => id !== undefined);
    expect(new Set(jobsOfRerolls)).toEqual(new Set([rerolled]));
    await ended(rerolled);
    // Past the double-click window, a second re-roll is deliberate: it starts a job.
    await sleep(2100);
    const later = fake.dispatchInteraction(fake.build.buttonPress({ customId: `reroll:${jobId}`, message }));
    expect(await queuedJob(later)).not.toBe(rerolled);
  });

  it('a channel that refuses the bot for good is tried once; the result goes to the owner’s DMs', async () => {
    const { alice } = fake.world.users;
    const ix = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'imagine', options: { prompt: 'a fox behind a door --steps 40' } }),
    );
    const jobId = await queuedJob(ix);
    const messageId = fake.interaction(ix.id)?.originalMessageId ?? '';
    const warnings = warningsAbout(jobId);
    const channel = fake.world.channel.id;
    fake.expireInteraction(ix.id);
    for (const route of [CHANNEL_POST, CHANNEL_EDIT, CHANNEL_GET])
      fake.failRoute((c) => c.route === route && c.params.channel === channel, {
        times: 1000,
        status: 403,
        code: 50001,
        message: 'Missing Access',
      });
    await ended(jobId);
    expect(deliveries.get(jobId)).toBe('replied');
    const refused = fake.callsTo(
      (c) =>
        c.params.channel === channel &&
        (c.route === CHANNEL_GET ||
          (c.route === CHANNEL_EDIT && c.params.message === messageId) ||
          (c.route === CHANNEL_POST && JSON.stringify(c.body).includes(jobId))),
    );
    expect(refused.map((c) => [c.route, c.status])).toEqual([[CHANNEL_EDIT, 403]]);
    expect(dmOf(alice, jobId)?.status).toBe(200);
    expect(warnings().length).toBeLessThanOrEqual(1);
  });

  it('a private job past its interaction token is not tried again; the result goes to the owner’s DMs', async () => {
    const { bob } = fake.world.users;
    const settings = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'settings', options: { private: true }, user: bob }),
    );
    await fake.waitForCall(fake.answerOf(settings));
    const ix = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'imagine', options: { prompt: 'a quiet fox --steps 40' }, user: bob }),
    );
    const jobId = await queuedJob(ix);
    const warnings = warningsAbout(jobId);
    fake.expireInteraction(ix.id);
    await ended(jobId);
    expect(deliveries.get(jobId)).toBe('replied');
    expect(dmOf(bob, jobId)?.status).toBe(200);
    expect(warnings().length).toBeLessThanOrEqual(1);
  });
});
