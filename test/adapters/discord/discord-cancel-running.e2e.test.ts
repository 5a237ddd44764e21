// A typed /cancel of a running job on Discord: the job's status message says "Stopping your job…" at once, its
// Cancel button gone, while the job's step still runs; the /cancel answer (private, deferred past the acknowledgement)
// says it was cancelled, by name, once the job has stopped; the status message ends "Cancelled.".
import type { APIMessage } from 'discord.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { FakeDiscord } from '../../doubles/fake-discord/index.js';
import { HeldEngineDouble } from '../../doubles/held-engine-double.js';
import { useDiscordOnDouble } from './double-bot.js';

// The run goes on until the test releases it: a long step of a large image.
const engine = new HeldEngineDouble('until-released');
const world = useDiscordOnDouble('discord-cancel-running', {}, { engine });
let fake: FakeDiscord;
beforeAll(() => {
  fake = world.fake;
});

describe('Discord: a typed /cancel of a running job', { timeout: 60_000 }, () => {
  it('shows the job stopping at once, then answers "Cancelled" once it has stopped', async () => {
    const user = fake.world.users.alice;
    const made = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'imagine', options: { prompt: 'stop test' }, user }),
    );
    const job = await world.queuedJob(made);
    const { store } = world.services.jobs;
    await expect.poll(() => store.get(job)?.status, { timeout: 10_000, interval: 20 }).toBe('running');
    const status = () => fake.message(fake.interaction(made.id)?.originalMessageId as string) as APIMessage;
    await expect
      .poll(() => JSON.stringify(status().components), { timeout: 10_000 })
      .toContain(`cancel:${job}`);

    const cancel = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'cancel', options: { job: job.slice(0, 8) }, user }),
    );
    // Before the run ends: the job's own message says it is stopping, with nothing to press.
    await expect.poll(() => status().content, { timeout: 5_000 }).toBe(t('en', 'cancel.stopping'));
    expect(status().components ?? []).toEqual([]);
    expect(store.get(job)?.status).toBe('running');

    engine.release();
    const answer = () => fake.message(fake.interaction(cancel.id)?.originalMessageId as string)?.content;
    await expect
      .poll(answer, { timeout: 10_000 })
      .toBe(t('en', 'cancel.done_named', { prompt: 'stop test', id: job.slice(0, 8) }));
    await expect.poll(() => status().content, { timeout: 10_000 }).toBe(t('en', 'job.cancelled'));
  });
});
