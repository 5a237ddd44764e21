// A job's status message deleted while the job runs, on Discord with the real discord.js client against the in-repo
// fake: after the first Unknown Message (10008) it is edited no more (neither through the interaction nor through
// the channel), and the ending comes as a new message that pings only the requester.
import { beforeAll, describe, expect, it } from 'vitest';
import type { DiscordCall, FakeDiscord } from '../../doubles/fake-discord/index.js';
import { CHANNEL_EDIT, CHANNEL_POST, EDIT, useDiscordOnDouble } from './double-bot.js';

const world = useDiscordOnDouble('discord-status-gone', { QUEUE_MAX_PER_USER: '10' });
const { deliveries, queuedJob, ended } = world;
let fake: FakeDiscord;
beforeAll(() => ({ fake } = world));

describe('Discord: a deleted status message', { timeout: 60_000 }, () => {
  it('is edited no more after the first Unknown Message; the result is a new message', async () => {
    const { alice } = fake.world.users;
    const ix = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'imagine', options: { prompt: 'deleted midway' } }),
    );
    const jobId = await queuedJob(ix);
    const messageId = fake.interaction(ix.id)?.originalMessageId ?? '';
    fake.deleteMessage(messageId);
    await ended(jobId);
    expect(deliveries.get(jobId)).toBe('replied');
    const edits = fake.callsTo(
      (c: DiscordCall) =>
        (c.route === EDIT && c.params.token === ix.token) ||
        (c.route === CHANNEL_EDIT && c.params.message === messageId),
    );
    expect(edits.map((c) => [c.route, c.status])).toEqual([[EDIT, 404]]);
    const post = fake.callsTo(CHANNEL_POST).find((c) => JSON.stringify(c.body).includes(`reroll:${jobId}`));
    const body = post?.body as { content: string; allowed_mentions: Record<string, unknown> };
    expect(body.content.startsWith(`<@${alice.id}>`)).toBe(true);
    expect(body.allowed_mentions).toMatchObject({ parse: [], users: [alice.id] });
  });
});
