// A /queue list longer than one Discord message, refreshed in place: its first part takes the pressed message's
// place, and the earlier list's later parts (ephemeral follow-ups, reachable through the token that sent them) are
// edited to the new list's later parts, or deleted where the list is shorter now. None is left showing the earlier
// numbering below the new list, and none is sent twice.
import type { APIMessage } from 'discord.js';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FakeDiscord } from '../../doubles/fake-discord/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { FOLLOW_UP, queueLongJobs, useDiscordOnDouble } from './double-bot.js';

// A run of 100 s that stops within a step once cancelled: the list stands still while a test looks at it.
const world = useDiscordOnDouble(
  'discord-queue-parts-in-place',
  { QUEUE_MAX_PER_USER: '40', QUEUE_MAX_PER_SCOPE: '40' },
  { engine: new TimedEngineDouble(500, 200) },
);
let fake: FakeDiscord;
beforeAll(() => {
  fake = world.fake;
});

/** Enough jobs with long prompts that the list is over one message. */
const JOBS = 24;
const short = (job: string) => job.slice(0, 8);

/** The list as the user sees it: its first message, then every later part still there, in order. */
function shownList(listId: string, interactions: readonly string[]): string[] {
  const first = fake.message(listId) as APIMessage;
  const later = [...fake.store.messages.values()]
    .filter((m) => m.id !== listId && interactions.includes(m.interaction_metadata?.id ?? ''))
    .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
  return [first.content, ...later.map((m) => m.content)];
}

/** How often each job is named in what is shown: every active job once, every cancelled one never. */
function namings(shown: readonly string[], jobs: readonly string[]): Record<string, number> {
  const text = shown.join('\n');
  return Object.fromEntries(jobs.map((job) => [short(job), text.split(short(job)).length - 1]));
}

describe('Discord: a /queue list of several messages, refreshed in place', { timeout: 90_000 }, () => {
  it('edits the earlier list’s later parts, and deletes those the shorter list no longer needs', async () => {
    const user = fake.world.users.alice;
    const jobs = await queueLongJobs(world, user, JOBS);
    const { store, queue: jobQueue } = world.services.jobs;
    const [running] = jobs as [string, ...string[]];
    await expect.poll(() => store.get(running)?.status, { timeout: 10_000, interval: 20 }).toBe('running');

    const queue = fake.dispatchInteraction(fake.build.slashCommand({ name: 'queue', user }));
    await fake.waitForCall((c) => c.route === FOLLOW_UP && c.params.token === queue.token, 10_000);
    const listId = fake.interaction(queue.id)?.originalMessageId as string;
    const pressed: string[] = [];
    const shown = () => shownList(listId, [queue.id, ...pressed]);
    await expect.poll(() => shown().length, { timeout: 5_000 }).toBeGreaterThan(1);
    const expected = (cancelled: readonly string[]) =>
      Object.fromEntries(jobs.map((job) => [short(job), cancelled.includes(job) ? 0 : 1]));
    expect(namings(shown(), jobs)).toEqual(expected([]));

    const refresh = async (cancelled: readonly string[]) => {
      for (const job of cancelled) jobQueue.cancel(job, { platform: 'discord', userId: user.id });
      const press = fake.dispatchInteraction(
        fake.build.buttonPress({
          customId: `queue_refresh:${running}`,
          message: fake.message(listId) as APIMessage,
          user,
        }),
      );
      pressed.push(press.id);
      await fake.waitForCall(fake.answerOf(press), 10_000);
    };

    // One job fewer: as many parts as before, the later ones edited to the list as it now stands.
    const few = jobs.slice(-1);
    await refresh(few);
    await expect.poll(() => namings(shown(), jobs), { timeout: 5_000 }).toEqual(expected(few));
    for (const part of shown()) expect(part.length).toBeLessThanOrEqual(2000);

    // All but three: one message holds the list, and the earlier later parts are gone.
    const many = jobs.slice(3);
    await refresh(many.filter((job) => !few.includes(job)));
    await expect.poll(() => namings(shown(), jobs), { timeout: 5_000 }).toEqual(expected(many));
    expect(shown()).toHaveLength(1);

    for (const job of jobs) jobQueue.cancel(job, { platform: 'discord', userId: user.id });
    const active = () => store.byStatus('queued', 'running').length;
    await expect.poll(active, { timeout: 15_000 }).toBe(0);
  });
});
