// A job its owner waited long for ends with a new message that names them (Discord notifies on a mention, not on an
// edit), as Midjourney's results do; its status message keeps the final line, without a second image or buttons.
// Past the interaction token, a channel that refuses the bot sends the result to the owner's DMs instead.
// The real discord.js client against the in-repo fake, on a fast engine double, with the wait set to nothing.
import type { APIMessage } from 'discord.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { FakeDiscord } from '../../doubles/fake-discord/index.js';
import { CHANNEL_POST, dmChannel, useDiscordOnDouble } from './double-bot.js';

const world = useDiscordOnDouble('discord-notify', {}, { notifyAfterMs: 0 });
const { deliveries, imagineAs: started, ended } = world;
let fake: FakeDiscord;
beforeAll(() => {
  fake = world.fake;
});

const postsFor = (jobId: string) =>
  fake.callsTo(CHANNEL_POST).filter((c) => JSON.stringify(c.body).includes(jobId));

describe('Discord: a long job pings its owner', { timeout: 60_000 }, () => {
  it('the result comes as a new message naming only its owner, replying to the status message', async () => {
    const { alice } = fake.world.users;
    const { ix, jobId } = await started('a slow fox');
    await ended(jobId);
    expect(deliveries.get(jobId)).toBe('edited');
    const [post] = postsFor(jobId);
    const body = post?.body as {
      content: string;
      allowed_mentions: Record<string, unknown>;
      message_reference?: { message_id: string };
    };
    expect(body.content.startsWith(`<@${alice.id}>`)).toBe(true);
    expect(body.allowed_mentions).toMatchObject({ parse: [], users: [alice.id] });
    expect(JSON.stringify(body)).toContain(`reroll:${jobId}`);
    expect(post?.files.some((f) => f.filename?.endsWith('.png'))).toBe(true);
    const status = fake.interaction(ix.id)?.originalMessageId as string;
    expect(body.message_reference?.message_id).toBe(status);
    // The status message points to the result and keeps only Delete; the image and the other buttons moved.
    await expect
      .poll(() => (fake.message(status) as APIMessage).content, { timeout: 5000 })
      .toBe('Done: the result is in the message below.');
    const shown = fake.message(status) as APIMessage;
    expect(shown.attachments).toEqual([]);
    expect(JSON.stringify(shown.components)).toContain(`delete:${jobId}`);
    expect(JSON.stringify(shown.components)).not.toContain('reroll:');
    // Delete on the result removes both messages of the job.
    const result = [...fake.store.messages.values()].find(
      (m) => m.id !== status && JSON.stringify(m.components ?? []).includes(`reroll:${jobId}`),
    ) as APIMessage;
    fake.dispatchInteraction(fake.build.buttonPress({ customId: `delete:${jobId}`, message: result }));
    await expect.poll(() => fake.message(status), { timeout: 5000 }).toBeUndefined();
    expect(fake.message(result.id)).toBeUndefined();
  });

  it('where the bot may not post (a user-installed app, no Send Messages), the status message takes the result', async () => {
    fake.failRoute(CHANNEL_POST, { times: 1000, status: 403, code: 50013, message: 'Missing Permissions' });
    try {
      const { ix, jobId } = await started('a fox nobody can post');
      await ended(jobId);
      expect(deliveries.get(jobId)).toBe('edited');
      const status = fake.message(fake.interaction(ix.id)?.originalMessageId as string) as APIMessage;
      expect(JSON.stringify(status.components)).toContain(`reroll:${jobId}`);
      expect(status.attachments.some((a) => a.filename.endsWith('.png'))).toBe(true);
    } finally {
      fake.failures.clear();
    }
  });

  it('a job its owner cancelled, and a private one, end in place with no new message', async () => {
    const { jobId: cancelled } = await started('never mind');
    const cancel = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'cancel', options: { job: cancelled } }),
    );
    await fake.waitForCall(fake.answerOf(cancel));
    await ended(cancelled);
    const { bob } = fake.world.users;
    const settings = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'settings', options: { private: true }, user: bob }),
    );
    await fake.waitForCall(fake.answerOf(settings));
    const { jobId: hidden } = await started('a quiet fox', bob);
    await ended(hidden);
    expect(postsFor(cancelled)).toEqual([]);
    expect(postsFor(hidden)).toEqual([]);
    expect([deliveries.get(cancelled), deliveries.get(hidden)]).toEqual(['edited', 'edited']);
  });

  it('a ping post Discord never confirmed is not followed by the result on the status message (it could show twice)', async () => {
    const carriesResult = (c: { route: string; body: unknown }) =>
      c.route === CHANNEL_POST && JSON.stringify(c.body).includes('reroll:');
    // discord.js tries the post four times (the enforced nonce keeps one message of them); none is confirmed.
    fake.failRoute(carriesResult, { times: 4, status: 503 });
    try {
      const { ix, jobId } = await started('a fox lost on the way');
      await ended(jobId);
      expect(postsFor(jobId).map((c) => c.status)).toEqual([503, 503, 503, 503]);
      // Marked undelivered (/queue lists it), and the status message says it may be showing, never the result.
      expect(deliveries.get(jobId)).toBe('undelivered');
      const status = fake.message(fake.interaction(ix.id)?.originalMessageId as string) as APIMessage;
      expect(status.content).toBe(t('en', 'discord.undelivered_unsure'));
      expect(JSON.stringify(status.components)).not.toContain(`reroll:${jobId}`);
      expect(status.attachments).toEqual([]);
    } finally {
      fake.failures.clear();
    }
  });

  /**
   * The job's channel refuses the bot for good (no access: a user-installed app, a private thread) and its status
   * message cannot be edited (the interaction token is gone, the channel refuses edits too).
   */
  function closeChannel(ix: { id: string }) {
    const channel = fake.world.channel.id;
    fake.expireInteraction(ix.id);
    fake.failRoute((c) => c.route === CHANNEL_POST && c.params.channel === channel, {
      times: 1000,
      status: 403,
      code: 50001,
      message: 'Missing Access',
    });
    fake.failRoute((c) => c.route === 'PATCH /channels/:channel/messages/:message', {
      times: 1000,
      status: 403,
      code: 50001,
      message: 'Missing Access',
    });
  }

  it('past the token, a channel that refuses the bot sends the result to the owner’s DMs, saying why', async () => {
    const { alice } = fake.world.users;
    try {
      const { ix, jobId } = await started('a fox behind a closed door');
      closeChannel(ix);
      await ended(jobId);
      expect(deliveries.get(jobId)).toBe('replied');
      const dm = fake
        .callsTo(CHANNEL_POST)
        .find((c) => c.params.channel === dmChannel(alice) && JSON.stringify(c.body).includes(jobId));
      expect(dm?.status).toBe(200);
      const body = dm?.body as { content: string; allowed_mentions: Record<string, unknown> };
      expect(body.content.split('\n')[0]).toBe(t('en', 'job.result_in_dm'));
      expect(JSON.stringify(body)).toContain(`reroll:${jobId}`);
      expect(dm?.files.some((f) => f.filename?.endsWith('.png') && f.bytes.length > 0)).toBe(true);
      expect(body.allowed_mentions).toMatchObject({ parse: [], users: [alice.id] });
    } finally {
      fake.failures.clear();
    }
  });

  it('with the owner’s DMs closed too, the job is kept undelivered and /queue hands its file over', async () => {
    const { bob } = fake.world.users;
    try {
      const { ix, jobId } = await started('a fox nobody can reach', bob);
      closeChannel(ix);
      fake.failRoute((c) => c.route === CHANNEL_POST && c.params.channel === dmChannel(bob), {
        times: 1000,
        status: 403,
        code: 50007,
        message: 'Cannot send messages to this user',
      });
      await ended(jobId);
      expect(deliveries.get(jobId)).toBe('undelivered');
      expect(
        world.services.jobs.store.deliveries
          .undeliveredOf({ platform: 'discord', userId: bob.id })
          .map((j) => j.id),
      ).toContain(jobId);
      fake.failures.clear();
      const queue = fake.dispatchInteraction(fake.build.slashCommand({ name: 'queue', user: bob }));
      const answer = await fake.waitForCall(
        (c) => fake.answerOf(queue)(c) && JSON.stringify(c.body).includes(`original:${jobId}`),
      );
      expect(JSON.stringify(answer.body)).toContain(jobId.slice(0, 8));
    } finally {
      fake.failures.clear();
    }
  });
});
