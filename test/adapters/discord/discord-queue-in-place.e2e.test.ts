// /queue's Cancel n and Refresh on Discord: the press is acknowledged as an update of the (ephemeral) list it was on,
// which then shows the list as it now stands (a job that ended since gone, the rest numbered afresh); no message of
// its own is sent. A refused press (another's list) stays a private answer of its own, the list left as it was.
import type { APIMessage, APIUser } from 'discord.js';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { DiscordCall, FakeDiscord } from '../../doubles/fake-discord/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { CALLBACK, EDIT, FOLLOW_UP, useDiscordOnDouble } from './double-bot.js';

// The first job runs for a minute (cancelled at each test's end, within a step): a run of 4 s stood in for "still
// running", and a loaded machine, queueing three jobs and listing them (and a press held 2.5 s below), saw it end
// first, so the list had a job fewer than the test named.
const world = useDiscordOnDouble('discord-queue-in-place', {}, { engine: new TimedEngineDouble(1000, 60) });
let fake: FakeDiscord;
beforeAll(() => {
  fake = world.fake;
});

const idsIn = (action: string, body: unknown) =>
  [...JSON.stringify(body ?? '').matchAll(new RegExp(`${action}:([0-9a-f-]{36})`, 'g'))].map(
    (m) => m[1] as string,
  );
const cancelsIn = (body: unknown) => idsIn('queue_cancel', body);
const ofPress = (ix: { id: string; token: string }) => (c: DiscordCall) =>
  c.params.id === ix.id || c.params.token === ix.token;

/** The cancelled list's first line: it names the job, as the numbered button pressed is gone from the list. */
const cancelledLine = (prompt: string, job: string | undefined) =>
  t('en', 'cancel.done_named', { prompt, id: (job as string).slice(0, 8) });

/** Three jobs of Alice's, then her /queue list: the (ephemeral) message as it stands now, and the jobs it lists. */
async function aliceList(word: string) {
  const user = fake.world.users.alice;
  for (const n of [1, 2, 3]) {
    const made = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'imagine', options: { prompt: `${word} ${n}` }, user }),
    );
    await world.queuedJob(made);
  }
  const queue = fake.dispatchInteraction(fake.build.slashCommand({ name: 'queue', user }));
  const listed = await fake.waitForCall(fake.answerOf(queue), 10_000);
  const jobs = cancelsIn(listed.body);
  expect(jobs).toHaveLength(3);
  expect(idsIn('queue_refresh', listed.body)).toEqual([jobs[0]]);
  const listId = fake.interaction(queue.id)?.originalMessageId as string;
  const list = () => fake.message(listId) as APIMessage;
  expect(list().flags).toBeTruthy();
  return { user, jobs, list };
}

/** Bob presses `customId` on Alice's list: refused privately (an answer of its own), the list left as it was. */
async function refusedToBob(customId: string, list: () => APIMessage) {
  const before = list().content;
  const refused = fake.dispatchInteraction(
    fake.build.buttonPress({ customId, message: list(), user: fake.world.users.bob }),
  );
  await fake.waitForCall((c) => ofPress(refused)(c) && c.status < 300, 10_000);
  expect(fake.interaction(refused.id)?.ack?.type).toBe(4);
  expect(list().content).toBe(before);
}

/** Alice presses `customId` on her list: acknowledged at once as an update of it (7, Discord's 204). */
async function pressedInPlace(customId: string, list: () => APIMessage, user: APIUser) {
  const press = fake.dispatchInteraction(fake.build.buttonPress({ customId, message: list(), user }));
  const answered = await fake.waitForCall((c) => c.route === CALLBACK && ofPress(press)(c), 10_000);
  expect([answered.status, fake.interaction(press.id)?.ack?.type]).toEqual([204, 7]);
  return press;
}

/** The next button press is answered only after 2.5 s, past the acknowledgement's budget. */
function slowNextPress() {
  const commands = world.bot.commands;
  const pressButton = commands.pressButton.bind(commands);
  vi.spyOn(commands, 'pressButton').mockImplementationOnce(async (...args) => {
    await new Promise((resolve) => setTimeout(resolve, 2500));
    return pressButton(...args);
  });
}

/** Cancels what a test left running or waiting, and waits until it has ended. */
async function cancelAll(jobs: readonly string[], message: APIMessage) {
  const user = fake.world.users.alice;
  for (const job of jobs)
    fake.dispatchInteraction(fake.build.buttonPress({ customId: `cancel:${job}`, message, user }));
  const active = () => world.services.jobs.store.byStatus('queued', 'running').length;
  await expect.poll(active, { timeout: 10_000 }).toBe(0);
}

describe('Discord: /queue Cancel n and Refresh in place', { timeout: 60_000 }, () => {
  it('updates the pressed list to the list as it now stands; a refused press leaves it', async () => {
    const { user, jobs, list } = await aliceList('a lantern');

    // Bob may not cancel Alice's job: told so privately, the list untouched.
    await refusedToBob(`queue_cancel:${jobs[2]}`, list);

    const press = await pressedInPlace(`queue_cancel:${jobs[2]}`, list, user);
    expect(list().content.split('\n')[0]).toBe(cancelledLine('a lantern 3', jobs[2]));
    expect(cancelsIn(list().components)).toEqual(jobs.slice(0, 2));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.calls.filter((c) => c.route === FOLLOW_UP && ofPress(press)(c))).toEqual([]);

    await cancelAll(jobs, list());
  });

  it('an answer too slow for the acknowledgement: deferred as an update, then edited into the list', async () => {
    const { user, jobs, list } = await aliceList('a slow kite');
    slowNextPress();
    const press = fake.dispatchInteraction(
      fake.build.buttonPress({ customId: `queue_cancel:${jobs[2]}`, message: list(), user }),
    );
    const edit = await fake.waitForCall((c) => c.route === EDIT && ofPress(press)(c), 10_000);
    expect([edit.status, edit.params.message, fake.interaction(press.id)?.ack?.type]).toEqual([
      200,
      '@original',
      6,
    ]);
    expect(list().content.split('\n')[0]).toBe(cancelledLine('a slow kite 3', jobs[2]));
    expect(cancelsIn(list().components)).toEqual(jobs.slice(0, 2));
    expect(fake.calls.filter((c) => c.route === FOLLOW_UP && ofPress(press)(c))).toEqual([]);
    await cancelAll(jobs, list());
  });

  it('a deferred press whose list Discord refuses: the list stays, the presser is told privately once', async () => {
    const { user, jobs, list } = await aliceList('a refused kite');
    const before = list().content;
    slowNextPress();
    const press = fake.dispatchInteraction(
      fake.build.buttonPress({ customId: `queue_cancel:${jobs[2]}`, message: list(), user }),
    );
    fake.failRoute((c) => c.route === EDIT && ofPress(press)(c), {
      status: 403,
      code: 50001,
      message: 'Missing Access',
    });
    const told = await fake.waitForCall((c) => c.route === FOLLOW_UP && ofPress(press)(c), 10_000);
    expect(fake.interaction(press.id)?.ack?.type).toBe(6);
    expect(told.body).toMatchObject({ content: t('en', 'errors.generic'), flags: 64 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(list().content).toBe(before);
    expect(fake.calls.filter((c) => c.route === FOLLOW_UP && ofPress(press)(c))).toHaveLength(1);
    expect(fake.calls.filter((c) => c.route === EDIT && ofPress(press)(c) && c.status < 300)).toEqual([]);
    await cancelAll(jobs, list());
  });

  it('Refresh updates the pressed list to the list as it now stands; a press by someone else leaves it', async () => {
    const { user, jobs, list } = await aliceList('a refreshed lantern');
    const before = list().content;
    expect(before).toContain((jobs[0] as string).slice(0, 8));

    // The running job ends: the list still names it until refreshed.
    const { store, queue: jobQueue } = world.services.jobs;
    jobQueue.cancel(jobs[0] as string, { platform: 'discord', userId: user.id });
    await expect.poll(() => store.get(jobs[0] as string)?.status, { timeout: 10_000 }).toBe('cancelled');
    expect(list().content).toBe(before);

    await refusedToBob(`queue_refresh:${jobs[0]}`, list);

    const press = await pressedInPlace(`queue_refresh:${jobs[0]}`, list, user);
    expect(list().content).not.toContain((jobs[0] as string).slice(0, 8));
    expect(list().content).toContain((jobs[1] as string).slice(0, 8));
    expect(cancelsIn(list().components)).toEqual(jobs.slice(1));
    expect(idsIn('queue_refresh', list().components)).toEqual([jobs[1]]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.calls.filter((c) => c.route === FOLLOW_UP && ofPress(press)(c))).toEqual([]);

    await cancelAll(jobs.slice(1), list());
  });
});
