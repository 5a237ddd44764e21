// /queue's Cancel n on a job that takes longer to stop than the press's answer waits: the list first says "stopping",
// then, once the job has ended, the same message shows the list as it stands (the job gone, "Cancelled" on top),
// without the presser pressing Refresh and without a message of its own.
import type { APIMessage } from 'discord.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { FakeDiscord } from '../../doubles/fake-discord/index.js';
import { HeldEngineDouble } from '../../doubles/held-engine-double.js';
import { EDIT, FOLLOW_UP, useDiscordOnDouble } from './double-bot.js';

// A cancelled run stops only when the test lets it (`engine.release()`): a step of fixed length (6 s) stood in for
// that, and a press handled late in the step (a loaded machine) saw the job stop within the answer's 2.5 s wait.
const engine = new HeldEngineDouble('until-released');
const world = useDiscordOnDouble('discord-queue-slow-stop', {}, { engine });
let fake: FakeDiscord;
beforeAll(() => {
  fake = world.fake;
});

describe('Discord: /queue Cancel n of a job slow to stop', { timeout: 60_000 }, () => {
  it('says "stopping", then shows the list without the job once it has ended', async () => {
    const user = fake.world.users.alice;
    const made = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'imagine', options: { prompt: 'a slow lantern' }, user }),
    );
    const job = await world.queuedJob(made);
    const { store } = world.services.jobs;
    await expect.poll(() => store.get(job)?.status, { timeout: 10_000, interval: 20 }).toBe('running');
    const queue = fake.dispatchInteraction(fake.build.slashCommand({ name: 'queue', user }));
    await fake.waitForCall(fake.answerOf(queue), 10_000);
    const list = () => fake.message(fake.interaction(queue.id)?.originalMessageId as string) as APIMessage;
    expect(list().content).toContain(job.slice(0, 8));
    // The answer names the job: the numbered button pressed is gone once the list is redrawn.
    const named = { prompt: 'a slow lantern', id: job.slice(0, 8) };

    const press = fake.dispatchInteraction(
      fake.build.buttonPress({ customId: `queue_cancel:${job}`, message: list(), user }),
    );
    await expect
      .poll(() => list().content.split('\n')[0], { timeout: 10_000 })
      .toBe(t('en', 'cancel.stopping_named', named));
    expect(store.get(job)?.status).toBe('running');

    engine.release();
    await expect.poll(() => store.get(job)?.status, { timeout: 15_000, interval: 50 }).toBe('cancelled');
    await expect
      .poll(() => list().content.split('\n')[0], { timeout: 5_000 })
      .toBe(t('en', 'cancel.done_named', named));
    // Named in the first line, the job is gone from the list under it.
    expect(list().content.split('\n').slice(1).join('\n')).not.toContain(job.slice(0, 8));
    // The press's answer waited past the acknowledgement (a deferred update, then its edit); the later list is one more.
    const ofPress = (c: { params: Record<string, unknown> }) => c.params.token === press.token;
    expect(fake.calls.filter((c) => c.route === EDIT && ofPress(c) && c.status < 300)).toHaveLength(2);
    expect(fake.calls.filter((c) => c.route === FOLLOW_UP && ofPress(c))).toEqual([]);
  });
});
