// The bot in a public thread, with the real discord.js client against the in-repo fake: a slash command and a
// mention run end to end there; a thread archived mid-job takes the ending as a new post (which unarchives it), a
// locked one sends it to the owner's DMs; a thread's channel that denies Send Messages in Threads gets no answer;
// a thread discord.js no longer holds is fetched (GET /channels/:id).
import { type APIMessage, PermissionFlagsBits } from 'discord.js';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type FakeDiscord, mention } from '../../doubles/fake-discord/index.js';
import { CHANNEL_EDIT, CHANNEL_POST, EDIT, jobIdIn, useDiscordOnDouble } from './double-bot.js';

const CHANNEL_GET = 'GET /channels/:channel';

const world = useDiscordOnDouble('discord-threads', { QUEUE_MAX_PER_USER: '10' });
const { deliveries, queuedJob, imagineIn, ended } = world;
let fake: FakeDiscord;
beforeAll(() => {
  fake = world.fake;
});
afterEach(() => {
  fake.failures.clear();
  vi.restoreAllMocks();
});

/** A mention of the bot in `channelId`; resolves with the bot's reply to it (its status message). */
async function mentionIn(channelId: string, text: string) {
  const ask = fake.dispatchMessage(
    fake.build.userMessage({
      content: `${mention(fake.world.botUser)} ${text}`,
      mentions: [fake.world.botUser],
      channelId,
    }),
  );
  return fake.waitForCall(
    (c) => c.route === CHANNEL_POST && c.body?.message_reference?.message_id === ask.id,
    10_000,
  );
}

/** The warnings the bot logged about `jobId`. */
function warningsAbout(jobId: string) {
  const warn = vi.spyOn(world.log, 'warn');
  return () =>
    warn.mock.calls.filter(
      ([fields]) => typeof fields === 'object' && (fields as { jobId?: string })?.jobId === jobId,
    );
}

describe('Discord: the bot in a thread', { timeout: 60_000 }, () => {
  it('a slash command in a thread: progress and the result in the thread’s message', async () => {
    const thread = fake.addThread({ name: 'cats' });
    const { ix, jobId } = await imagineIn(thread.id, 'a thread cat');
    await ended(jobId);
    expect(deliveries.get(jobId)).toBe('edited');
    const message = fake.message(fake.interaction(ix.id)?.originalMessageId ?? '') as APIMessage;
    expect(message.channel_id).toBe(thread.id);
    expect(message.attachments).toHaveLength(1);
    expect(JSON.stringify(message.components)).toContain(`reroll:${jobId}`);
  });

  it('a mention in a thread is answered there, and a message menu on a message in it works', async () => {
    const thread = fake.addThread({ name: 'mentions' });
    const reply = await mentionIn(thread.id, 'a thread fox');
    expect(reply.status).toBe(200);
    expect(reply.params.channel).toBe(thread.id);
    const jobId = jobIdIn(reply.body) as string;
    await ended(jobId);
    expect(deliveries.get(jobId)).toBe('edited');
    const done = fake
      .callsTo((c) => c.route === CHANNEL_EDIT && c.params.channel === thread.id)
      .find((c) => JSON.stringify(c.body).includes(`reroll:${jobId}`));
    expect(done?.status).toBe(200);
    // Describe image on the result, in the thread: its answer and job stay there.
    const result = fake.message(done?.params.message ?? '') as APIMessage;
    const menu = fake.dispatchInteraction(
      fake.build.messageContextMenu({ name: 'Describe image', target: result }),
    );
    expect(menu.payload.channel_id).toBe(thread.id);
    const describe = await queuedJob(menu);
    await ended(describe);
    expect(deliveries.get(describe)).toBe('edited');
    expect(fake.message(fake.interaction(menu.id)?.originalMessageId ?? '')?.channel_id).toBe(thread.id);
  });

  it('archived mid-job: no more edits, the ending is posted in the thread, which it unarchives', async () => {
    const { alice } = fake.world.users;
    const thread = fake.addThread({ name: 'archived later' });
    const reply = await mentionIn(thread.id, 'a sleepy owl --steps 40');
    const jobId = jobIdIn(reply.body) as string;
    const warnings = warningsAbout(jobId);
    fake.archiveThread(thread.id);
    await ended(jobId);
    expect(deliveries.get(jobId)).toBe('replied');
    const edits = fake.callsTo((c) => c.route === CHANNEL_EDIT && c.params.channel === thread.id);
    expect(edits.filter((c) => c.status === 400).length).toBeLessThanOrEqual(1);
    const ending = fake
      .callsTo(CHANNEL_POST)
      .find((c) => JSON.stringify(c.body).includes(`reroll:${jobId}`) && c.status === 200);
    expect(ending?.params.channel).toBe(thread.id);
    expect(fake.channel(thread.id)?.archived).toBe(false);
    expect(fake.callsTo((c) => c.route === CHANNEL_POST && c.params.channel === `${alice.id}0`)).toEqual([]);
    expect(warnings().length).toBeLessThanOrEqual(1);
  });

  it('archived and locked mid-job: the ending goes to the owner’s DMs, each refusal tried once', async () => {
    const { alice } = fake.world.users;
    const thread = fake.addThread({ name: 'locked later' });
    const { ix, jobId } = await imagineIn(thread.id, 'a locked owl --steps 40');
    const warnings = warningsAbout(jobId);
    fake.archiveThread(thread.id, { locked: true });
    await ended(jobId);
    expect(deliveries.get(jobId)).toBe('replied');
    const refused = fake.callsTo(
      (c) =>
        c.status === 400 &&
        ((c.route === EDIT && c.params.token === ix.token) || c.params.channel === thread.id),
    );
    // The edit's 50083 ends the edits; the post finds the thread locked (its own 50083), and the DM is next.
    expect(refused.map((c) => c.route)).toEqual([EDIT, CHANNEL_POST]);
    const dm = fake
      .callsTo(CHANNEL_POST)
      .find((c) => c.params.channel === `${alice.id}0` && JSON.stringify(c.body).includes(`reroll:${jobId}`));
    expect(dm?.status).toBe(200);
    expect(fake.channel(thread.id)?.archived).toBe(true);
    expect(warnings().length).toBeLessThanOrEqual(1);
  });

  it('a thread whose channel denies Send Messages in Threads gets no answer; one denying Send Messages does', async () => {
    const noThreads = fake.addChannel(PermissionFlagsBits.SendMessagesInThreads, 'no-threads');
    const noChannel = fake.addChannel(PermissionFlagsBits.SendMessages, 'threads-only');
    const silent = fake.addThread({ name: 'silent', parentId: noThreads.id });
    const open = fake.addThread({ name: 'open', parentId: noChannel.id });
    fake.dispatchMessage(
      fake.build.userMessage({
        content: `${mention(fake.world.botUser)} a muted bird`,
        mentions: [fake.world.botUser],
        channelId: silent.id,
      }),
    );
    const reply = await mentionIn(open.id, 'a loud bird');
    expect(reply.status).toBe(200);
    await ended(jobIdIn(reply.body) as string);
    expect(fake.callsTo((c) => c.params.channel === silent.id)).toEqual([]);
  });

  it('a thread discord.js does not hold (a restart, an evicted cache) is fetched, and its status message edited', async () => {
    const thread = fake.addThread({ name: 'forgotten' });
    const { ix, jobId } = await imagineIn(thread.id, 'a forgotten cat --steps 40');
    // Past its interaction token the status message is edited through the channel, which must be fetched first.
    fake.expireInteraction(ix.id);
    world.bot.client.channels.cache.delete(thread.id);
    await ended(jobId);
    expect(deliveries.get(jobId)).toBe('edited');
    expect(fake.callsTo((c) => c.route === CHANNEL_GET && c.params.channel === thread.id)[0]?.status).toBe(
      200,
    );
    const last = fake.callsTo((c) => c.route === CHANNEL_EDIT && c.params.channel === thread.id).at(-1);
    expect(last?.status).toBe(200);
    expect(JSON.stringify(last?.body)).toContain(`reroll:${jobId}`);
  });
});
