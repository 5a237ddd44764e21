// Updates confirmed to Telegram before they were handled survive a crash (adapters/telegram/inbox.ts). The bot runs
// in a child process against the fake Bot API and is killed with SIGKILL while it handles a request (its photo's
// download held), after polling confirmed the update: Telegram will not send it again. The next start, on the same
// DATA_DIR, handles it. An update whose handling kills the process every time is given up after two runs tried it,
// and its sender is told once (given-up.ts), even should telling it kill the process too.
import type { Message } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import { solidPng } from '../e2e-services.js';
import { answers, crash, HELD_MS, useInboxWorld } from './inbox-world.js';
import { jobIdIn, textOf } from './telegram-on-fake.js';

const world = useInboxWorld();

/** An /edit whose photo download is held, once its handling has begun and polling confirmed it. */
async function editBeingHandled(): Promise<{ request: Message; update: number }> {
  const { fake } = world;
  const photo = fake.registerFile(await solidPng('#369'));
  fake.slowDown('downloadFile', HELD_MS);
  const request = fake.injectPhoto(photo, { caption: '/edit make the sky green' });
  const update = fake.lastUpdateId;
  await world.downloadHeld(1);
  await expect.poll(world.confirmed(update), { timeout: 5000, interval: 10 }).toBe(true);
  return { request, update };
}

/** The log lines of `bot` that say an update was given up. */
function givenUpLines(output: string): Array<{ update: number; attempts: number; kind: string }> {
  return output
    .split('\n')
    .filter((line) => line.includes('telegram update given up: the process'))
    .map((line) => JSON.parse(line) as { update: number; attempts: number; kind: string });
}

/** An /edit whose handling was killed twice (first run, and the start that tried it again). */
async function poisoned(): Promise<{ request: Message; update: number }> {
  const first = await world.startChild();
  const poison = await editBeingHandled();
  await crash(first);
  // Handled again at the next start, and killed again in its download.
  world.fake.slowDown('downloadFile', HELD_MS);
  const second = await world.startChild();
  await world.downloadHeld(2);
  await crash(second);
  expect(world.keptUpdates()).toEqual([poison.update]);
  return poison;
}

describe('Telegram updates taken before a crash', { timeout: 90_000 }, () => {
  it('a request being handled when the process is killed is handled at the next start', async () => {
    const { fake } = world;
    const first = await world.startChild();
    const { request } = await editBeingHandled();
    await crash(first);
    expect(fake.callsTo(answers(request))).toEqual([]);

    const { services } = await world.startHere();
    const status = await fake.waitForCall((c) => answers(request)(c) && jobIdIn(c) !== undefined, 15_000);
    const jobId = jobIdIn(status) as string;
    await expect
      .poll(() => services.jobs.store.get(jobId)?.status, { timeout: 15_000, interval: 50 })
      .toBe('done');
    expect(services.jobs.store.get(jobId)?.meta.telegramMessageId).toBe(request.message_id);
    expect(fake.callsTo('getFile')).toHaveLength(2);
    expect(world.keptUpdates()).toEqual([]);
  });

  it('an album still gathering when the process is killed is handled at the next start', async () => {
    const { fake } = world;
    // It gathers far longer than the test: only the crash can end it.
    const first = await world.startChild({ ALBUM_QUIET_MS: '60000' });
    const [image, mask] = await Promise.all([solidPng('#963'), solidPng('#fff')]);
    const items = [
      fake.injectPhoto(fake.registerFile(image), { caption: '/retouch a hat', mediaGroupId: 'a1' }),
      fake.injectPhoto(fake.registerFile(mask), { mediaGroupId: 'a1' }),
    ];
    const last = fake.lastUpdateId;
    await expect.poll(world.confirmed(last), { timeout: 5000, interval: 10 }).toBe(true);
    // A chat's updates are handled in order: once a later one is answered, both items were taken.
    const marker = fake.injectText('/help');
    await fake.waitForCall(answers(marker), 15_000);
    // The marker's handling ended (its row went with it); the album's items stay kept while it gathers.
    await expect.poll(() => world.keptUpdates(), { timeout: 5000, interval: 20 }).toEqual([last - 1, last]);
    await crash(first);
    expect(fake.callsTo('getFile')).toEqual([]);

    const { services } = await world.startHere();
    const status = await fake.waitForCall(
      (c) => answers(items[0] as Message)(c) && jobIdIn(c) !== undefined,
      15_000,
    );
    const jobId = jobIdIn(status) as string;
    await expect
      .poll(() => services.jobs.store.get(jobId)?.status, { timeout: 15_000, interval: 50 })
      .toBe('done');
    expect(fake.callsTo('getFile')).toHaveLength(2);
    expect(fake.callsTo(answers(marker))).toHaveLength(1);
  });

  it('an update whose handling kills the process every time is given up after two tries, its sender told once', async () => {
    const { fake } = world;
    const { request, update } = await poisoned();
    const third = await world.startChild();
    const told = await fake.waitForCall(answers(request), 15_000);
    expect(textOf(told)).toBe(t('en', 'errors.telegram.update_given_up'));
    const marker = fake.injectText('/help', { from: request.from });
    await fake.waitForCall(answers(marker), 15_000);
    expect(fake.callsTo('getFile')).toHaveLength(2);
    expect(fake.callsTo(answers(request))).toHaveLength(1);
    expect(givenUpLines(third.output())).toEqual([
      expect.objectContaining({ update, attempts: 2, kind: 'message' }),
    ]);
    // The marker's row goes once its handler is done, just after its answer.
    await expect.poll(() => world.keptUpdates(), { timeout: 5000, interval: 20 }).toEqual([]);
    await crash(third);

    // Told once: a later start says nothing more of it.
    const fourth = await world.startChild();
    const later = fake.injectText('/help', { from: request.from });
    await fake.waitForCall(answers(later), 15_000);
    expect(fake.callsTo(answers(request))).toHaveLength(1);
    expect(givenUpLines(fourth.output())).toEqual([]);
  });

  it('telling the sender of a given-up update is tried once, even when the process dies while telling', async () => {
    const { fake } = world;
    const { request } = await poisoned();
    const tellsTheSender = (c: { method: string; params: Record<string, unknown> }) =>
      c.method === 'sendMessage' && textOf(c) === t('en', 'errors.telegram.update_given_up');
    fake.slowDown(tellsTheSender, HELD_MS);
    const third = await world.startChild();
    await expect.poll(() => fake.failures.pending, { timeout: 15_000, interval: 10 }).toBe(0);
    await crash(third);
    expect(world.keptUpdates()).toEqual([]);

    // The held try is recorded when its hold ends, however long after the crash (a slow machine): only calls made
    // from here on count.
    const since = Date.now();
    const fourth = await world.startChild();
    const marker = fake.injectText('/help', { from: request.from });
    await fake.waitForCall(answers(marker), 15_000);
    // The held try was the only one: neither the update nor the telling comes back.
    expect(fake.callsTo((c) => c.at >= since && tellsTheSender(c))).toEqual([]);
    expect(fake.callsTo((c) => c.at >= since && answers(request)(c))).toEqual([]);
    expect(fake.callsTo('getFile')).toHaveLength(2);
    expect(givenUpLines(fourth.output())).toEqual([]);
  });
});
