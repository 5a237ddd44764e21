// A private job whose interaction token Discord stops taking while it runs: whatever Discord's word for "this
// token or interaction is gone" (10015 Unknown Webhook, 10062 Unknown interaction, 50027 Invalid Webhook Token), the
// first refused edit ends the status message's edits (no warning per progress step), and the ending goes to the
// owner's DMs as a new message, once.
import { beforeAll, describe, expect, it } from 'vitest';
import type { FakeDiscord } from '../../doubles/fake-discord/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { CHANNEL_POST, choosePrivate, dmChannel, EDIT, useDiscordOnDouble } from './double-bot.js';

// Steps slow enough that the job has several progress edits to make after the first refused one.
const world = useDiscordOnDouble('discord-token-gone', {}, { engine: new TimedEngineDouble(150, 8) });
let fake: FakeDiscord;
beforeAll(async () => {
  fake = world.fake;
  await choosePrivate(fake, fake.world.users.bob);
});

const GONE = [
  { code: 10015, status: 404, message: 'Unknown Webhook' },
  { code: 10062, status: 404, message: 'Unknown interaction' },
  { code: 50027, status: 401, message: 'Invalid Webhook Token' },
];

describe('Discord: a private job whose interaction token is gone', { timeout: 60_000 }, () => {
  it.each(GONE)('answered $code ($message): edits stop at once, the ending goes to the DMs', async (gone) => {
    const { bob } = fake.world.users;
    const ix = fake.build.slashCommand({
      name: 'imagine',
      options: { prompt: `a tokengone${gone.code} kite` },
      user: bob,
    });
    fake.dispatchInteraction(ix);
    const jobId = await world.queuedJob(ix);
    const edits = () => fake.callsTo((c) => c.route === EDIT && c.params.token === ix.token);
    fake.failRoute((c) => c.route === EDIT && c.params.token === ix.token, { times: 1000, ...gone });
    try {
      await expect.poll(() => world.deliveries.get(jobId), { timeout: 15_000, interval: 20 }).toBe('replied');
      // One refused edit, then nothing more through the token: not one refusal per progress step.
      expect(edits().map((c) => c.status)).toEqual([gone.status]);
      const dms = fake.callsTo(
        (c) =>
          c.route === CHANNEL_POST &&
          c.params.channel === dmChannel(bob) &&
          JSON.stringify(c.body).includes(jobId),
      );
      expect(dms.map((c) => c.status)).toEqual([200]);
    } finally {
      fake.failures.clear();
    }
  });
});
