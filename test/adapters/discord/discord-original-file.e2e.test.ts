// An image that never reached its owner waits in /queue under a button that sends its file. The job counts as
// delivered only once Discord took that file: one it refuses (no permission to attach files, too large for the
// channel, a lost connection) leaves the job listed at the next /queue, whose button may be pressed again.
import type { APIMessage } from 'discord.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { DiscordCall, FakeDiscord } from '../../doubles/fake-discord/index.js';
import { useDiscordOnDouble } from './double-bot.js';

let fake: FakeDiscord;
const world = useDiscordOnDouble('discord-original-file', {});
beforeAll(() => {
  fake = world.fake;
});

/** A user of these tests' own, with a finished image that never reached them: its job and its /queue button. */
async function lostImage(n: number) {
  const user = { ...fake.world.users.alice, id: `94000000000000000${n}`, username: `lost-fox-${n}` };
  const { store } = world.services.jobs;
  const undelivered = () =>
    store.deliveries.undeliveredOf({ platform: 'discord', userId: user.id }).map((job) => job.id);
  const made = fake.dispatchInteraction(
    fake.build.slashCommand({ name: 'imagine', options: { prompt: 'a fox that got lost --steps 3' }, user }),
  );
  const jobId = await world.queuedJob(made);
  await world.ended(jobId);
  store.deliveries.markUndelivered(jobId);
  const button = `original:${jobId}`;
  /** Asks for /queue: the message listing the image with its button. */
  const listing = async (): Promise<APIMessage> => {
    const queue = fake.dispatchInteraction(fake.build.slashCommand({ name: 'queue', user }));
    const listed = await fake.waitForCall(fake.answerOf(queue), 10_000);
    expect(JSON.stringify(listed.body)).toContain(button);
    return fake.message(fake.interaction(queue.id)?.originalMessageId ?? '') as APIMessage;
  };
  return { user, jobId, button, undelivered, listing };
}

describe('Discord: the file of an undelivered image', { timeout: 30_000 }, () => {
  it('refused, it leaves the job listed at the next /queue; sent, it delivers the job', async () => {
    const { user, jobId, button, undelivered, listing } = await lostImage(1);
    const press = async () =>
      fake.dispatchInteraction(fake.build.buttonPress({ customId: button, message: await listing(), user }));
    const file = `dimoo-${jobId.slice(0, 8)}.png`;
    const carriesFile = (c: DiscordCall) => c.files.some((f) => f.filename === file);

    fake.failRoute(carriesFile, { status: 403, code: 50013, message: 'Missing Permissions' });
    const refusedPress = await press();
    const refused = await fake.waitForCall(
      (c) => carriesFile(c) && (c.params.id === refusedPress.id || c.params.token === refusedPress.token),
      10_000,
    );
    expect(refused.status).toBe(403);
    expect(undelivered()).toEqual([jobId]);

    // Listed again; its button, pressed on the new list, sends the file, which delivers the job.
    const sentPress = await press();
    const sent = await fake.waitForCall(
      (c) => carriesFile(c) && (c.params.id === sentPress.id || c.params.token === sentPress.token),
      10_000,
    );
    expect(sent.status).toBeLessThan(300);
    await expect.poll(undelivered, { timeout: 5000 }).toEqual([]);
    const queue = fake.dispatchInteraction(fake.build.slashCommand({ name: 'queue', user }));
    const last = await fake.waitForCall(fake.answerOf(queue), 10_000);
    expect(JSON.stringify(last.body)).not.toContain(button);
  });

  it('too large for the channel (left out of the answer), it leaves the job listed', async () => {
    const { user, jobId, undelivered, listing, button } = await lostImage(2);
    const message = await listing();
    const ix = fake.dispatchInteraction(
      fake.build.buttonPress({ customId: button, message, user, attachmentSizeLimit: 100 }),
    );
    const answered = await fake.waitForCall(fake.answerOf(ix), 10_000);
    expect(answered.files).toEqual([]);
    expect(JSON.stringify(answered.body)).toContain(t('en', 'result.too_large', { limitBytes: 100 }));
    // The next /queue (its answer sent after the press's was reported) lists it again.
    await listing();
    expect(undelivered()).toEqual([jobId]);
  });
});
