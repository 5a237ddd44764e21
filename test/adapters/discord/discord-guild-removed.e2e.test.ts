// The bot removed from a server, with the real discord.js client against the in-repo fake: GUILD_DELETE without
// `unavailable` withdraws that server's jobs whose ending could reach no one (a mention's, whose status message and
// result need the channel): a waiting one never runs, a running one is aborted, and their owner gets one line
// saying why by DM (open while another server is shared). A slash job there, whose interaction token outlives it,
// and a job in another server run and are delivered. An outage (GUILD_DELETE with `unavailable: true`) changes
// nothing.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { stillReachable } from '../../../adapters/discord/guild-removal.js';
import { TOKEN_LIFETIME_MS } from '../../../adapters/discord/status.js';
import { t } from '../../../src/i18n.js';
import { type FakeDiscord, mention } from '../../doubles/fake-discord/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { CHANNEL_POST, dmChannel, jobIdIn, useDiscordOnDouble } from './double-bot.js';

// Slow enough (0.9 s a job) that a job submitted behind another is still waiting when the removal comes.
const engine = new TimedEngineDouble(150, 6);
const world = useDiscordOnDouble(
  'discord-guild-removed',
  { QUEUE_MAX_PER_USER: '10', QUEUE_MAX_BATCH: '1' },
  { engine },
);
const { deliveries, queuedJob, ended } = world;
let fake: FakeDiscord;
beforeAll(() => {
  fake = world.fake;
});
afterEach(() => {
  vi.restoreAllMocks();
});

const statusOf = (jobId: string) => world.services.jobs.queue.get(jobId)?.status;
const started = (prompt: string) =>
  engine.started.some((request) => 'prompt' in request && request.prompt.startsWith(prompt));

/** A mention of the bot; resolves with the job its reply names. */
async function mentionIn(
  place: { channelId?: string; guildId?: string },
  text: string,
  author = fake.world.users.alice,
): Promise<string> {
  const ask = fake.dispatchMessage(
    fake.build.userMessage({
      content: `${mention(fake.world.botUser)} ${text}`,
      mentions: [fake.world.botUser],
      author,
      ...place,
    }),
  );
  const reply = await fake.waitForCall(
    (c) => c.route === CHANNEL_POST && c.body?.message_reference?.message_id === ask.id,
    10_000,
  );
  return jobIdIn(reply.body) as string;
}

describe('Discord: the bot removed from a server', { timeout: 60_000 }, () => {
  it('an outage (GUILD_DELETE with unavailable) cancels nothing: both jobs run and are delivered', async () => {
    const guildId = fake.world.guild.id;
    const ix = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'imagine', options: { prompt: 'an outage cat' } }),
    );
    const slashJob = await queuedJob(ix);
    const mentionJob = await mentionIn({}, 'an outage dog');
    expect(statusOf(mentionJob)).toBe('queued');
    fake.guildOutage(guildId);
    await expect.poll(() => world.bot.client.guilds.cache.get(guildId)?.available).toBe(false);
    await ended(slashJob);
    await ended(mentionJob);
    expect([statusOf(slashJob), statusOf(mentionJob)]).toEqual(['done', 'done']);
    expect([deliveries.get(slashJob), deliveries.get(mentionJob)]).toEqual(['edited', 'edited']);
    expect(started('an outage dog')).toBe(true);
    fake.guildRecovered(guildId);
    await expect.poll(() => world.bot.client.guilds.cache.get(guildId)?.available).toBe(true);
  });

  // Last: the bot stays out of the world's server.
  it('removed: its mention jobs are withdrawn (the waiting one never runs), the slash job and another server’s run', async () => {
    const { alice, bob } = fake.world.users;
    const other = fake.addGuild('Second Guild');
    await expect.poll(() => world.bot.client.guilds.cache.has(other.id)).toBe(true);
    // Held until withdrawn: a run of 0.9 s stood in for "still running", and a loaded machine, submitting the three
    // jobs below, saw it end first (the slash job then running, not waiting, and the fox done, not withdrawn).
    const generate = engine.generate.bind(engine);
    vi.spyOn(engine, 'generate').mockImplementation(async (request, options) => {
      const signal = options?.signal;
      if ('prompt' in request && request.prompt.startsWith('a running fox'))
        await new Promise<void>((resolve) => {
          if (!signal || signal.aborted) return resolve();
          signal.addEventListener('abort', () => resolve(), { once: true });
        });
      return generate(request, options);
    });
    const running = await mentionIn({}, 'a running fox');
    await expect.poll(() => statusOf(running)).toBe('running');
    const ix = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'imagine', options: { prompt: 'a kept cat' } }),
    );
    const slashJob = await queuedJob(ix);
    const waiting = await mentionIn({}, 'a withdrawn dog');
    const elsewhere = await mentionIn(
      { guildId: other.id, channelId: other.channel.id },
      'an elsewhere owl',
      bob,
    );
    expect([statusOf(slashJob), statusOf(waiting), statusOf(elsewhere)]).toEqual([
      'queued',
      'queued',
      'queued',
    ]);
    const removedAt = fake.calls.length;
    fake.removeFromGuild(fake.world.guild.id);
    await expect.poll(() => world.bot.client.guilds.cache.has(fake.world.guild.id)).toBe(false);
    const heardAt = fake.calls.length;
    for (const job of [running, slashJob, waiting, elsewhere]) await ended(job);

    expect([statusOf(running), statusOf(waiting)]).toEqual(['cancelled', 'cancelled']);
    expect(started('a withdrawn dog')).toBe(false);
    expect([statusOf(slashJob), statusOf(elsewhere)]).toEqual(['done', 'done']);
    expect([deliveries.get(slashJob), deliveries.get(elsewhere)]).toEqual(['edited', 'edited']);
    // The result in the other server: its own channel's status message, edited with the image.
    const otherEdits = fake.calls
      .slice(removedAt)
      .filter((c) => c.params.channel === other.channel.id && c.method === 'PATCH');
    expect(otherEdits.some((c) => c.files.length === 1)).toBe(true);

    // Each withdrawn job's owner hears why, once, by DM (alice still shares the other server with the bot).
    const line = t('en', 'job.cancelled_bot_removed', { server: fake.world.guild.name });
    expect([deliveries.get(running), deliveries.get(waiting)]).toEqual(['replied', 'replied']);
    const dms = fake.calls
      .slice(removedAt)
      .filter((c) => c.route === CHANNEL_POST && c.params.channel === dmChannel(alice));
    expect(dms.map((c) => [c.status, c.body?.content])).toEqual([
      [200, line],
      [200, line],
    ]);
    // The removed server's channel is not asked again once the bot heard of the removal (an edit already on its
    // way may meet the 403).
    const inRemoved = (c: { params: Record<string, string> }) => c.params.channel === fake.world.channel.id;
    expect(fake.calls.slice(heardAt).filter(inRemoved)).toEqual([]);
    expect(fake.calls.slice(removedAt).filter(inRemoved).length).toBeLessThanOrEqual(1);
  });
});

describe('stillReachable: a removed server’s job runs on only through a token that outlives it', () => {
  it('needs a live token that lasts past the expected end', () => {
    expect(stillReachable(0, 1000)).toBe(false);
    expect(stillReachable(0, undefined)).toBe(false);
    expect(stillReachable(TOKEN_LIFETIME_MS, 60_000)).toBe(true);
    expect(stillReachable(60_000, 120_000)).toBe(false);
    // An unmeasured pace: the token is trusted.
    expect(stillReachable(60_000, undefined)).toBe(true);
  });
});
