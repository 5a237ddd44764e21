// A /queue list longer than one Discord message, its Cancel n pressed on a job slow to stop: the list first says
// "stopping", then, once the job has ended, shows the list as it stands. Each time the first part takes the pressed
// message's place and the others follow it, as private as the list: the first part's Cancel buttons name lines
// that only the later parts show, so none may be left unsent.
import type { APIMessage } from 'discord.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { DiscordCall, FakeDiscord } from '../../doubles/fake-discord/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { EDIT, FOLLOW_UP, useDiscordOnDouble } from './double-bot.js';

// A step of 6 s: a job cancelled as it starts its run stops well after the answer's 2.5 s wait.
const world = useDiscordOnDouble(
  'discord-queue-long-in-place',
  { QUEUE_MAX_PER_USER: '40', QUEUE_MAX_PER_SCOPE: '40' },
  { engine: new TimedEngineDouble(6000, 2) },
);
let fake: FakeDiscord;
beforeAll(() => {
  fake = world.fake;
});

/** Enough jobs with long prompts that the list, even without its first job, is over one message. */
const JOBS = 24;
const contentOf = (call: DiscordCall | undefined) =>
  (call?.body as { content?: string } | undefined)?.content ?? '';

describe('Discord: a /queue list longer than a message, updated in place', { timeout: 90_000 }, () => {
  it('once the cancelled job has stopped, the list’s later parts follow its first, privately', async () => {
    const user = fake.world.users.alice;
    const jobs: string[] = [];
    for (let n = 1; n <= JOBS; n += 1) {
      const prompt = `a long lantern ${String(n).padStart(2, '0')} `.padEnd(80, 'x');
      const made = fake.dispatchInteraction(
        fake.build.slashCommand({ name: 'imagine', options: { prompt }, user }),
      );
      jobs.push(await world.queuedJob(made));
    }
    const [running, ...waiting] = jobs as [string, ...string[]];
    const { store, queue: jobQueue } = world.services.jobs;
    await expect.poll(() => store.get(running)?.status, { timeout: 10_000, interval: 20 }).toBe('running');

    const queue = fake.dispatchInteraction(fake.build.slashCommand({ name: 'queue', user }));
    await fake.waitForCall((c) => c.route === FOLLOW_UP && c.params.token === queue.token, 10_000);
    const list = () => fake.message(fake.interaction(queue.id)?.originalMessageId as string) as APIMessage;

    const press = fake.dispatchInteraction(
      fake.build.buttonPress({ customId: `queue_cancel:${running}`, message: list(), user }),
    );
    const ofPress = (c: DiscordCall) => c.params.token === press.token && c.status < 300;
    await expect
      .poll(() => list().content.split('\n')[0], { timeout: 10_000 })
      .toBe(t('en', 'cancel.stopping'));

    await expect.poll(() => store.get(running)?.status, { timeout: 15_000, interval: 50 }).toBe('cancelled');
    await expect.poll(() => list().content.split('\n')[0], { timeout: 5_000 }).toBe(t('en', 'cancel.done'));
    // The stopped list's edit, then its later parts: each a private follow-up of the press.
    const calls = () => fake.calls.filter(ofPress);
    const lastEdit = () => calls().findLastIndex((c) => c.route === EDIT);
    const rest = () =>
      calls()
        .slice(lastEdit() + 1)
        .filter((c) => c.route === FOLLOW_UP);
    await expect.poll(() => rest().length, { timeout: 5_000 }).toBeGreaterThan(0);
    for (const part of rest()) expect((part.body as { flags?: number }).flags).toBe(64);
    const shown = [list().content, ...rest().map(contentOf)];
    for (const part of shown) expect(part.length).toBeLessThanOrEqual(2000);
    // Every job still waiting is named once in the list as it now stands, the cancelled one nowhere.
    for (const job of waiting) expect(shown.join('\n').split(job.slice(0, 8))).toHaveLength(2);
    expect(shown.join('\n')).not.toContain(running.slice(0, 8));

    for (const job of waiting) jobQueue.cancel(job, { platform: 'discord', userId: user.id });
    const active = () => store.byStatus('queued', 'running').length;
    await expect.poll(active, { timeout: 15_000 }).toBe(0);
  });
});
