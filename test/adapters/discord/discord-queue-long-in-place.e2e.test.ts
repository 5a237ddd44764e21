// A /queue list longer than one Discord message, its Cancel n pressed on a job slow to stop: the list first says
// "stopping", then, once the job has ended, shows the list as it stands. Each time the first part takes the pressed
// message's place and the others follow it, as private as the list: the first part's Cancel buttons name lines
// that only the later parts show, so none may be left unsent. The earlier list's later parts are edited into the new
// list's (list-parts.ts), so none is left under it with the earlier numbering.
import type { APIMessage } from 'discord.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { DiscordCall, FakeDiscord } from '../../doubles/fake-discord/index.js';
import { HeldEngineDouble } from '../../doubles/held-engine-double.js';
import { EDIT, FOLLOW_UP, queueLongJobs, useDiscordOnDouble } from './double-bot.js';

// A run stops only when the test lets it (`engine.release()`): a step of fixed length (6 s) stood in for that, and the
// first job's run, begun as it was queued, was well into its step once the other 23 were queued on a loaded machine,
// so it could stop within the answer's 2.5 s wait (or end done) instead of "stopping".
const engine = new HeldEngineDouble('until-released');
const world = useDiscordOnDouble(
  'discord-queue-long-in-place',
  { QUEUE_MAX_PER_USER: '40', QUEUE_MAX_PER_SCOPE: '40' },
  { engine },
);
let fake: FakeDiscord;
beforeAll(() => {
  fake = world.fake;
});

/** Enough jobs with long prompts that the list, even without its first job, is over one message. */
const JOBS = 24;

describe('Discord: a /queue list longer than a message, updated in place', { timeout: 90_000 }, () => {
  it('once the cancelled job has stopped, the earlier later parts show the rest of it, privately', async () => {
    const user = fake.world.users.alice;
    const jobs = await queueLongJobs(world, user, JOBS);
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
    // The answer names the job (queueLongJobs' first prompt, 80 characters: not shortened).
    const named = { prompt: 'a long lantern 01 '.padEnd(80, 'x'), id: running.slice(0, 8) };
    await expect
      .poll(() => list().content.split('\n')[0], { timeout: 10_000 })
      .toBe(t('en', 'cancel.stopping_named', named));

    engine.release();
    await expect.poll(() => store.get(running)?.status, { timeout: 15_000, interval: 50 }).toBe('cancelled');
    await expect
      .poll(() => list().content.split('\n')[0], { timeout: 5_000 })
      .toBe(t('en', 'cancel.done_named', named));
    // The stopped list's edit, then its later parts: the /queue answer's own, edited, each private as the list.
    expect(fake.calls.filter(ofPress).some((c) => c.route === EDIT)).toBe(true);
    const laterEdits = () =>
      fake.calls.filter((c) => c.route === EDIT && c.params.token === queue.token && c.status < 300);
    await expect.poll(() => laterEdits().length, { timeout: 5_000 }).toBeGreaterThan(0);
    const later = () =>
      [...fake.store.messages.values()]
        .filter((m) => m.id !== list().id && [queue.id, press.id].includes(m.interaction_metadata?.id ?? ''))
        .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
    const shown = () => [list().content, ...later().map((m) => m.content)];
    // Every job still waiting is named once in the list as it now stands, the cancelled one nowhere.
    const misnamed = () => waiting.filter((job) => shown().join('\n').split(job.slice(0, 8)).length !== 2);
    await expect.poll(misnamed, { timeout: 5_000 }).toEqual([]);
    // Named in the first line (what the press did), the cancelled job is gone from the list under it.
    expect(shown().join('\n').split('\n').slice(1).join('\n')).not.toContain(running.slice(0, 8));
    expect(later().length).toBeGreaterThan(0);
    for (const part of later()) expect(part.flags).toBe(64);
    for (const part of shown()) expect(part.length).toBeLessThanOrEqual(2000);

    for (const job of waiting) jobQueue.cancel(job, { platform: 'discord', userId: user.id });
    // The next job began its run once the first had stopped: cancelled, it too ends when let.
    engine.release();
    const active = () => store.byStatus('queued', 'running').length;
    await expect.poll(active, { timeout: 15_000 }).toBe(0);
  });
});
