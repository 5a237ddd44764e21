// Discord's per-route limits as its headers announce them (2 edits per 1.5 s per interaction webhook here;
// Discord's message posts: 5 per 5 s per channel): discord.js holds a spent bucket's next call until its reset, so
// the bot's paced progress edits never meet a 429, and the ending still lands.
import { beforeAll, describe, expect, it } from 'vitest';
import type { FakeDiscord } from '../../doubles/fake-discord/index.js';
import { EDIT, useDiscordOnDouble } from './double-bot.js';

const world = useDiscordOnDouble('discord-route-limits', {});
const { deliveries, queuedJob, ended } = world;
let fake: FakeDiscord;
beforeAll(() => {
  fake = world.fake;
  // Tighter than Discord's 5 per 5 s, so the engine double's few progress states spend a bucket.
  fake.setRouteLimits({ limit: 2, windowMs: 1500 });
});

describe('Discord: route limits on message edits', { timeout: 60_000 }, () => {
  it('progress edits wait out a spent bucket: no 429, at most 2 per window, the result in place', async () => {
    const ix = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'imagine', options: { prompt: 'a patient fox --steps 40' } }),
    );
    const jobId = await queuedJob(ix);
    await ended(jobId);
    expect(deliveries.get(jobId)).toBe('edited');
    const edits = fake.callsTo((c) => c.route === EDIT && c.params.token === ix.token);
    expect(edits.length).toBeGreaterThan(2);
    expect(edits.every((c) => c.status === 200)).toBe(true);
    // discord.js waited: a third edit came only once the window of the first was over.
    for (let i = 2; i < edits.length; i += 1)
      expect((edits[i]?.at ?? 0) - (edits[i - 2]?.at ?? 0)).toBeGreaterThanOrEqual(1400);
    expect(JSON.stringify(edits.at(-1)?.body)).toContain(`reroll:${jobId}`);
  });
});
