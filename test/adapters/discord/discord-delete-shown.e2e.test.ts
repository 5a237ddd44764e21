// Delete removes a result whole, also where it was shown outside the job's ending: the further messages of a job's
// first reply too long for one message, a grid image taken on its own (answered at once, a finished job with no
// ending to come) in several messages, and its file fetched from /queue after its ending reached nobody. Each of those
// messages is recorded with the job once sent; Delete on any message of the result removes them all.
import type { APIMessage } from 'discord.js';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Reply } from '../../../commands/index.js';
import type { FakeDiscord } from '../../doubles/fake-discord/index.js';
import { useDiscordOnDouble } from './double-bot.js';

const world = useDiscordOnDouble('discord-delete-shown', {}, { notifyAfterMs: 0 });
let fake: FakeDiscord;
beforeAll(() => {
  fake = world.fake;
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** A line near a whole message long: a reply carrying three goes on in two further messages. */
const longLine = (mark: string) => ({ key: 'reply.piece', params: { text: `${mark} ${'x'.repeat(1900)}` } });
const lengthened = (reply: Reply, mark: string): Reply => ({
  ...reply,
  text: [...reply.text, longLine(mark), longLine(mark), longLine(mark)],
});

/** The bot's messages (still there) whose text says `mark`. */
const saying = (mark: string) =>
  [...fake.store.messages.values()].filter((m) => m.content?.includes(mark)).map((m) => m.id);

/** The messages other than `status` carrying the job's Re-roll button: its result below the status message. */
const resultsOf = (jobId: string, status: string) =>
  [...fake.store.messages.values()]
    .filter((m) => m.id !== status && JSON.stringify(m.components ?? []).includes(`reroll:${jobId}`))
    .map((m) => m.id);

async function started(prompt: string, user = fake.world.users.alice) {
  const ix = fake.dispatchInteraction(
    fake.build.slashCommand({ name: 'imagine', options: { prompt }, user }),
  );
  const jobId = await world.queuedJob(ix);
  return { ix, jobId, status: () => fake.interaction(ix.id)?.originalMessageId as string };
}

/** Presses `customId` on message `id` (as `user`), and waits until Discord has the press acknowledged. */
async function press(customId: string, id: string, user = fake.world.users.alice) {
  const ix = fake.dispatchInteraction(
    fake.build.buttonPress({ customId, message: fake.message(id) as APIMessage, user }),
  );
  await expect.poll(() => fake.interaction(ix.id)?.ack, { timeout: 5000 }).toBeDefined();
  return ix;
}

describe('Discord: Delete removes what was shown outside the ending', { timeout: 60_000 }, () => {
  it('a job’s first reply in several messages: Delete on its result removes the further ones too', async () => {
    const { commands } = world.bot;
    const run = commands.run.bind(commands);
    vi.spyOn(commands, 'run').mockImplementation(async (ctx, call) =>
      lengthened(await run(ctx, call), 'FIRST-REPLY-REST'),
    );
    const { jobId, status } = await started('a long first reply fox');
    // The status message holds the first lines (until the job's progress takes it over), the others follow.
    const rest = () => saying('FIRST-REPLY-REST').filter((id) => id !== status());
    await expect.poll(() => rest().length, { timeout: 5000 }).toBe(2);
    vi.restoreAllMocks();
    await world.ended(jobId);
    const [result] = resultsOf(jobId, status());
    expect(result).toBeDefined();
    await press(`delete:${jobId}`, result as string);
    await expect.poll(() => fake.message(status()), { timeout: 5000 }).toBeUndefined();
    await expect.poll(() => saying('FIRST-REPLY-REST'), { timeout: 5000 }).toEqual([]);
    expect(fake.message(result as string)).toBeUndefined();
  });

  it('a grid image taken on its own, in several messages: Delete on it removes them all, the grid stays', async () => {
    const { jobId: grid, status } = await started('a grid of foxes --n 2');
    await world.ended(grid);
    const [gridResult] = resultsOf(grid, status());
    const { commands } = world.bot;
    const pressButton = commands.pressButton.bind(commands);
    vi.spyOn(commands, 'pressButton').mockImplementation(async (ctx, id) =>
      id.startsWith('pick_') ? lengthened(await pressButton(ctx, id), 'PICKED-REST') : pressButton(ctx, id),
    );
    const picked = await press(`pick_2:${grid}`, gridResult as string);
    await expect.poll(() => saying('PICKED-REST').length, { timeout: 5000 }).toBe(3);
    const first = fake.interaction(picked.id)?.originalMessageId as string;
    const pick = /reroll:([0-9a-f-]{36})/.exec(JSON.stringify(fake.message(first)?.components))?.[1];
    expect(pick).toBeDefined();
    expect(pick).not.toBe(grid);
    const rest = saying('PICKED-REST').filter((id) => id !== first);
    expect(rest).toHaveLength(2);
    vi.restoreAllMocks();
    await press(`delete:${pick}`, first);
    await expect.poll(() => fake.message(first), { timeout: 5000 }).toBeUndefined();
    await expect.poll(() => saying('PICKED-REST'), { timeout: 5000 }).toEqual([]);
    // The grid is a result of its own.
    expect(fake.message(gridResult as string)).toBeDefined();
    expect(fake.message(status())).toBeDefined();
  });

  it('an image fetched from /queue after its ending reached nobody: Delete on the result removes the file too', async () => {
    const user = { ...fake.world.users.alice, id: '930000000000000001', username: 'fetched-fox' };
    const { jobId, status } = await started('a fox fetched later', user);
    await world.ended(jobId);
    const [result] = resultsOf(jobId, status());
    world.services.jobs.store.deliveries.markUndelivered(jobId);
    const queue = fake.dispatchInteraction(fake.build.slashCommand({ name: 'queue', user }));
    await fake.waitForCall(fake.answerOf(queue), 10_000);
    const listing = fake.interaction(queue.id)?.originalMessageId as string;
    const fetch = await press(`original:${jobId}`, listing, user);
    const file = `dimoo-${jobId.slice(0, 8)}.png`;
    await expect.poll(() => fake.interaction(fetch.id)?.originalMessageId, { timeout: 5000 }).toBeDefined();
    const fetched = fake.interaction(fetch.id)?.originalMessageId as string;
    expect(fake.message(fetched)?.attachments?.map((a) => a.filename)).toEqual([file]);
    await expect
      .poll(() =>
        world.services.jobs.store.deliveries.undeliveredOf({ platform: 'discord', userId: user.id }),
      )
      .toEqual([]);
    await press(`delete:${jobId}`, status(), user);
    await expect.poll(() => fake.message(status()), { timeout: 5000 }).toBeUndefined();
    await expect.poll(() => fake.message(result as string), { timeout: 5000 }).toBeUndefined();
    await expect.poll(() => fake.message(fetched), { timeout: 5000 }).toBeUndefined();
  });
});
