// A job whose channel goes away mid-job, with the real discord.js client against the in-repo fake: a deleted
// channel (or thread) answers Unknown Channel, tried once, and the result reaches its owner by DM; a guild that
// removes the bot leaves a slash job's interaction reply editable, while a mention's job, whose result would need a
// DM to a user the bot no longer shares a server with, is withdrawn (its owner cannot be told either). Every ending
// is recorded, each with at most one warning per failed step, and nothing is retried.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { t } from '../../../src/i18n.js';
import { type DiscordCall, type FakeDiscord, mention } from '../../doubles/fake-discord/index.js';
import { CHANNEL_POST, dmChannel, EDIT, jobIdIn, useDiscordOnDouble } from './double-bot.js';

const world = useDiscordOnDouble('discord-channel-gone', { QUEUE_MAX_PER_USER: '10' });
const { deliveries, queuedJob, imagineIn, ended } = world;
let fake: FakeDiscord;
beforeAll(() => {
  fake = world.fake;
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function mentionIn(channelId: string, text: string): Promise<string> {
  const ask = fake.dispatchMessage(
    fake.build.userMessage({
      content: `${mention(fake.world.botUser)} ${text}`,
      mentions: [fake.world.botUser],
      channelId,
    }),
  );
  const reply = await fake.waitForCall(
    (c) => c.route === CHANNEL_POST && c.body?.message_reference?.message_id === ask.id,
    10_000,
  );
  return jobIdIn(reply.body) as string;
}

/** The warnings the bot logged about `jobId`. */
function warningsAbout(jobId: string) {
  const warn = vi.spyOn(world.log, 'warn');
  return () =>
    warn.mock.calls.filter(
      ([fields]) => typeof fields === 'object' && (fields as { jobId?: string })?.jobId === jobId,
    );
}

function dmOf(user: { id: string }, jobId: string): DiscordCall | undefined {
  return fake
    .callsTo(CHANNEL_POST)
    .find((c) => c.params.channel === dmChannel(user) && JSON.stringify(c.body).includes(`reroll:${jobId}`));
}

describe('Discord: a job whose channel goes away', { timeout: 60_000 }, () => {
  it('a channel deleted mid-job: Unknown Channel tried once, the result by DM', async () => {
    const { alice } = fake.world.users;
    const channel = fake.addChannel(0n, 'doomed');
    const { ix, jobId } = await imagineIn(channel.id, 'a doomed fox --steps 40');
    const warnings = warningsAbout(jobId);
    const deletedAt = fake.calls.length;
    fake.deleteChannel(channel.id);
    await ended(jobId);
    expect(deliveries.get(jobId)).toBe('replied');
    const dm = dmOf(alice, jobId);
    expect(dm?.status).toBe(200);
    expect(JSON.stringify(dm?.body)).toContain(t('en', 'job.result_in_dm'));
    const after = fake.calls
      .slice(deletedAt)
      .filter((c) => c.params.channel === channel.id || (c.route === EDIT && c.params.token === ix.token));
    // One edit meets Unknown Channel, the channel endpoint is asked once (not in discord.js's cache any more).
    expect(after.map((c) => [c.route, c.status])).toEqual([
      [EDIT, 404],
      ['GET /channels/:channel', 404],
    ]);
    expect(warnings().length).toBeLessThanOrEqual(1);
  });

  it('a mention’s thread deleted with its channel mid-job: the result by DM', async () => {
    const { alice } = fake.world.users;
    const channel = fake.addChannel(0n, 'doomed-too');
    const thread = fake.addThread({ parentId: channel.id });
    const jobId = await mentionIn(thread.id, 'a doomed owl --steps 40');
    const warnings = warningsAbout(jobId);
    fake.deleteChannel(channel.id);
    await expect.poll(() => world.bot.client.channels.cache.has(thread.id)).toBe(false);
    await ended(jobId);
    expect(deliveries.get(jobId)).toBe('replied');
    expect(dmOf(alice, jobId)?.status).toBe(200);
    expect(
      fake.callsTo((c) => c.params.channel === thread.id && c.status === 404).length,
    ).toBeLessThanOrEqual(1);
    expect(warnings().length).toBeLessThanOrEqual(1);
  });

  // Last: the bot stays out of the guild.
  it('removed from the guild mid-job: the slash job ends in its reply, the mention’s is withdrawn', async () => {
    const { alice, bob } = fake.world.users;
    const ix = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'imagine', options: { prompt: 'a parting cat --steps 40' } }),
    );
    const slashJob = await queuedJob(ix);
    const mentionJob = await mentionIn(fake.world.channel.id, 'a parting dog --steps 40');
    const slashWarnings = warningsAbout(slashJob);
    const mentionWarnings = warningsAbout(mentionJob);
    const removedAt = fake.calls.length;
    fake.removeFromGuild(fake.world.guild.id);
    await ended(slashJob);
    await ended(mentionJob);
    expect(deliveries.get(slashJob)).toBe('edited');
    expect(world.services.jobs.queue.get(slashJob)?.status).toBe('done');
    // Withdrawn: nothing it could make would reach anyone.
    expect(world.services.jobs.queue.get(mentionJob)?.status).toBe('cancelled');
    expect(deliveries.get(mentionJob)).toBe('undelivered');
    const after = fake.calls.slice(removedAt);
    const channelCalls = after.filter((c) => c.params.channel === fake.world.channel.id);
    // The channel is not asked once the bot heard of the removal: only an edit already on its way meets the 403.
    expect(channelCalls.length).toBeLessThanOrEqual(1);
    expect(channelCalls.every((c) => c.status === 403)).toBe(true);
    // The DM saying why was tried once: Discord refuses it without a server the bot shares with its user.
    const dms = after.filter((c) => c.route === CHANNEL_POST && c.params.channel === dmChannel(alice));
    expect(dms.map((c) => c.status)).toEqual([403]);
    expect(slashWarnings()).toEqual([]);
    expect(mentionWarnings().length).toBeLessThanOrEqual(2);
    expect(() =>
      fake.dispatchInteraction(
        fake.build.slashCommand({ name: 'imagine', options: { prompt: 'x' }, user: bob }),
      ),
    ).toThrow(/removed from guild/);
  });
});
