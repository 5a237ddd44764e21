// Delete removes a result whole on Discord too. A job its owner waited for ends with a new message (the result) and
// its status message pointing to it, both with Delete; a private job whose status message refused its ending gets
// the result in DMs, its status message showing the ending again. Delete on either message removes both: the
// messages an ending was posted as are stored with the job's place (the bot may delete its own, in a channel or a DM).
import type { APIMessage } from 'discord.js';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FakeDiscord } from '../../doubles/fake-discord/index.js';
import { CHANNEL_POST, EDIT, useDiscordOnDouble } from './double-bot.js';

const world = useDiscordOnDouble('discord-delete-result', {}, { notifyAfterMs: 0 });
let fake: FakeDiscord;
beforeAll(() => {
  fake = world.fake;
});

/** An /imagine by `user`, its job, and its status message's id once it has one. */
async function started(prompt: string, user = fake.world.users.alice) {
  const { ix, jobId } = await world.imagineAs(prompt, user);
  return { ix, jobId, status: () => fake.interaction(ix.id)?.originalMessageId as string };
}

/** The messages other than the status message carrying the job's Re-roll button: its result. */
const resultsOf = (jobId: string, status: string) =>
  [...fake.store.messages.values()]
    .filter((m) => m.id !== status && JSON.stringify(m.components ?? []).includes(`reroll:${jobId}`))
    .map((m) => m.id);

describe('Discord: Delete removes the whole result', { timeout: 60_000 }, () => {
  it('Delete on the status message pointing to the result removes the result too', async () => {
    const { jobId, status } = await started('a slow fox to delete');
    await world.ended(jobId);
    const [result] = resultsOf(jobId, status());
    expect(result).toBeDefined();
    await expect
      .poll(() => JSON.stringify((fake.message(status()) as APIMessage).components), { timeout: 5000 })
      .toContain(`delete:${jobId}`);
    fake.dispatchInteraction(
      fake.build.buttonPress({ customId: `delete:${jobId}`, message: fake.message(status()) as APIMessage }),
    );
    await expect.poll(() => fake.message(status()), { timeout: 5000 }).toBeUndefined();
    await expect.poll(() => fake.message(result as string), { timeout: 5000 }).toBeUndefined();
  });

  it('a private result sent to DMs: Delete on the status message removes the DM too', async () => {
    const { bob } = fake.world.users;
    const settings = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'settings', options: { private: true }, user: bob }),
    );
    await fake.waitForCall(fake.answerOf(settings));
    const { jobId, status } = await started('a quiet fox to delete', bob);
    // The ending's edit of the status message is refused once: the result goes to Bob's DMs, and the status
    // message is given the ending (without the image) after it.
    fake.failRoute((c) => c.route === EDIT && JSON.stringify(c.body).includes(`reroll:${jobId}`), {
      status: 400,
      code: 50035,
      message: 'Invalid Form Body',
    });
    await world.ended(jobId);
    expect(world.deliveries.get(jobId)).toBe('replied');
    const [dm] = resultsOf(jobId, status());
    expect(fake.callsTo(CHANNEL_POST).some((c) => c.params.channel === `${bob.id}0`)).toBe(true);
    expect(dm).toBeDefined();
    await expect
      .poll(() => JSON.stringify((fake.message(status()) as APIMessage).components), { timeout: 5000 })
      .toContain(`delete:${jobId}`);
    const shown = fake.message(status()) as APIMessage;
    expect((shown.flags ?? 0) & 64).toBe(64);
    fake.dispatchInteraction(
      fake.build.buttonPress({ customId: `delete:${jobId}`, message: shown, user: bob }),
    );
    await expect.poll(() => fake.message(status()), { timeout: 5000 }).toBeUndefined();
    await expect.poll(() => fake.message(dm as string), { timeout: 5000 }).toBeUndefined();
  });
});
