// What Discord hides from the bot or refuses it, with the real discord.js client against the in-repo fake on a fast
// engine double: other members' images without the Message Content intent, the channel endpoint on ephemeral
// messages, a passing 5xx on an interaction edit, channels the bot may not write in, and a reply to a message
// deleted meanwhile. Each ends in an honest answer or none, never in a job nobody hears of.
import { type APIMessage, PermissionFlagsBits } from 'discord.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { Services } from '../../../src/services.js';
import { type FakeDiscord, mention } from '../../doubles/fake-discord/index.js';
import { solidPng } from '../e2e-services.js';
import { CALLBACK, CHANNEL_EDIT, CHANNEL_POST, EDIT, jobIdIn, useDiscordOnDouble } from './double-bot.js';

const world = useDiscordOnDouble('discord-refusals', { QUEUE_MAX_PER_USER: '10' });
const { deliveries, queuedJob, ended } = world;
let fake: FakeDiscord;
let services: Services;
beforeAll(() => ({ fake, services } = world));

/** The prompts of every job submitted so far. */
const prompts = () =>
  services.jobs.store
    .byStatus('queued', 'running', 'done', 'failed', 'cancelled')
    .map((job) => (job.request as { prompt?: string }).prompt);

/** A mention of the bot in the world's channel (or `channelId`), answered by a reply that names its id. */
function mentionBot(text: string, extra: { channelId?: string; replyTo?: APIMessage } = {}) {
  return fake.dispatchMessage(
    fake.build.userMessage({
      content: `${mention(fake.world.botUser)} ${text}`,
      mentions: [fake.world.botUser],
      ...extra,
    }),
  );
}

const replyTo = (ask: { id: string }) =>
  fake.waitForCall((c) => c.route === CHANNEL_POST && JSON.stringify(c.body).includes(ask.id), 10_000);

describe('Discord: what Discord hides or refuses', { timeout: 60_000 }, () => {
  it('a mention replying to another member’s image in a server says it sees no image, and starts no job', async () => {
    // Without the Message Content intent the bot gets Bob's message with no content and no attachments.
    const target = fake.dispatchMessage(
      fake.build.userMessage({
        content: 'my drawing',
        author: fake.world.users.bob,
        attachments: [fake.registerAttachment({ filename: 'drawing.png', bytes: await solidPng('#36c') })],
      }),
    );
    const ask = mentionBot('make it bluer', { replyTo: target });
    const reply = await replyTo(ask);
    expect(JSON.stringify(reply.body)).toContain(t('en', 'errors.discord.no_image'));
    expect(jobIdIn(reply.body)).toBeUndefined();
    expect(prompts()).not.toContain('make it bluer');
  });

  it('Delete on a private (ephemeral) result deletes it through the interaction, not the channel', async () => {
    const user = { ...fake.world.users.bob, id: '940000000000000001', username: 'dora' };
    const settings = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'settings', options: { private: true }, user }),
    );
    await fake.waitForCall(fake.answerOf(settings));
    const ix = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'imagine', options: { prompt: 'a secret fox' }, user }),
    );
    const jobId = await queuedJob(ix);
    await ended(jobId);
    const id = fake.interaction(ix.id)?.originalMessageId as string;
    const result = fake.message(id) as APIMessage;
    expect((result.flags ?? 0) & 64).toBe(64);
    expect(JSON.stringify(result.components)).toContain(`delete:${jobId}`);
    const press = fake.dispatchInteraction(
      fake.build.buttonPress({ customId: `delete:${jobId}`, message: result, user }),
    );
    await expect.poll(() => fake.message(id), { timeout: 5000 }).toBeUndefined();
    expect(fake.interaction(press.id)?.ack?.type).toBe(6);
    expect(fake.callsTo((c) => c.route === CALLBACK && c.params.id === press.id)).toHaveLength(1);
  });

  it('a Delete Discord refuses on a private result leaves the result as it was and tells the presser privately', async () => {
    const user = { ...fake.world.users.bob, id: '940000000000000002', username: 'eli' };
    await fake.waitForCall(
      fake.answerOf(
        fake.dispatchInteraction(
          fake.build.slashCommand({ name: 'settings', options: { private: true }, user }),
        ),
      ),
    );
    const ix = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'imagine', options: { prompt: 'a shy fox' }, user }),
    );
    const jobId = await queuedJob(ix);
    await ended(jobId);
    const id = fake.interaction(ix.id)?.originalMessageId as string;
    const before = JSON.stringify(fake.message(id));
    fake.failRoute('DELETE /webhooks/:app/:token/messages/:message', {
      status: 403,
      code: 50013,
      message: 'Missing Permissions',
    });
    const press = fake.dispatchInteraction(
      fake.build.buttonPress({ customId: `delete:${jobId}`, message: fake.message(id) as APIMessage, user }),
    );
    const told = await fake.waitForCall(
      (c) => c.route === 'POST /webhooks/:app/:token' && c.params.token === press.token,
      5000,
    );
    expect(JSON.stringify(told.body)).toContain(t('en', 'errors.generic'));
    expect(((told.body as { flags?: number }).flags ?? 0) & 64).toBe(64);
    expect(JSON.stringify(fake.message(id))).toBe(before);
  });

  it('a 5xx on one edit fails that edit only: the later ones still go through the interaction', async () => {
    const ix = fake.build.slashCommand({ name: 'imagine', options: { prompt: 'a patient fox' } });
    // discord.js tries a 5xx four times (three retries) before it gives up on that edit.
    fake.failRoute((c) => c.route === EDIT && c.params.token === ix.token, {
      times: 4,
      status: 500,
      message: 'Internal Server Error',
    });
    fake.dispatchInteraction(ix);
    const jobId = await queuedJob(ix);
    await ended(jobId);
    expect(deliveries.get(jobId)).toBe('edited');
    const messageId = fake.interaction(ix.id)?.originalMessageId as string;
    const edits = fake.callsTo((c) => c.route === EDIT && c.params.token === ix.token);
    expect(edits.filter((c) => c.status === 500)).toHaveLength(4);
    expect(edits.at(-1)?.status).toBe(200);
    expect(JSON.stringify(edits.at(-1)?.body)).toContain(`reroll:${jobId}`);
    expect(fake.callsTo((c) => c.route === CHANNEL_EDIT && c.params.message === messageId)).toEqual([]);
  });

  it('an ending whose edit and post both got 5xx: marked undelivered, the status says Discord did not confirm it', async () => {
    const ix = fake.build.slashCommand({ name: 'imagine', options: { prompt: 'a doubtful fox' } });
    const carriesResult = (c: { body: unknown }) => JSON.stringify(c.body).includes('reroll:');
    // Each tried four times by discord.js; the post carries an enforced nonce, so its retries could make no copy.
    fake.failRoute((c) => c.route === EDIT && c.params.token === ix.token && carriesResult(c), {
      times: 4,
      status: 500,
    });
    fake.failRoute((c) => c.route === CHANNEL_POST && carriesResult(c), { times: 4, status: 503 });
    try {
      fake.dispatchInteraction(ix);
      const jobId = await queuedJob(ix);
      await ended(jobId);
      expect(deliveries.get(jobId)).toBe('undelivered');
      expect(
        services.jobs.store.deliveries
          .undeliveredOf({ platform: 'discord', userId: fake.world.users.alice.id })
          .map((j) => j.id),
      ).toContain(jobId);
      const posts = fake.callsTo((c) => c.route === CHANNEL_POST && carriesResult(c));
      expect(posts.map((c) => c.status)).toEqual([503, 503, 503, 503]);
      const last = fake.callsTo((c) => c.route === EDIT && c.params.token === ix.token).at(-1);
      expect(last?.status).toBe(200);
      expect(JSON.stringify(last?.body)).toContain(t('en', 'discord.undelivered_unsure'));
    } finally {
      fake.failures.clear();
    }
  });

  it('a mention where the bot may not post or reply: no job and nothing sent; may not attach: no job, one word', async () => {
    const denied = [PermissionFlagsBits.SendMessages, PermissionFlagsBits.ReadMessageHistory].map(
      (deny) => fake.addChannel(deny).id,
    );
    const noFiles = fake.addChannel(PermissionFlagsBits.AttachFiles).id;
    for (const channelId of [...denied, noFiles]) mentionBot('a quiet cat', { channelId });
    // A mention where it may answer, after them: once it is answered and done, the others were passed over.
    const ask = mentionBot('a loud cat');
    const jobId = jobIdIn((await replyTo(ask)).body) as string;
    await ended(jobId);
    expect(fake.callsTo((c) => c.route === CHANNEL_POST && denied.includes(c.params.channel ?? ''))).toEqual(
      [],
    );
    const told = fake.callsTo((c) => c.route === CHANNEL_POST && c.params.channel === noFiles);
    expect(told.map((c) => (c.body as { content?: string }).content)).toEqual([
      t('en', 'errors.discord.cannot_attach'),
    ]);
    expect(prompts()).not.toContain('a quiet cat');
  });

  it('a mention deleted before the answer still gets its job’s status message, without the reference', async () => {
    const ask = mentionBot('a fleeting fox');
    fake.deleteMessage(ask.id);
    const post = await replyTo(ask);
    expect(post.status).toBe(200);
    const jobId = jobIdIn(post.body) as string;
    await ended(jobId);
    expect(deliveries.get(jobId)).toBe('edited');
  });
});
