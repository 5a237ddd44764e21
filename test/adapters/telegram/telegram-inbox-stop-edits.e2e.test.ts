// An edit of a request the stop sets aside for the next start (adapters/telegram/inbox.ts `postpone`) is what the
// next start runs, once, whatever the order of the three: the stop setting the request aside, the edit arriving, and
// the request's own handling ending. The edit may come while the request is still downloading (before the queue
// refused it: the stop sets it aside only then), or between the refusal and the end of its handling (its "set aside"
// notice still being sent), as well as after (telegram-inbox-stop.e2e.test.ts). An album goes whole: an edit of one
// item's caption while the album is handled is what its next start runs.
import type { Message } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { TelegramCall } from '../../doubles/fake-telegram/index.js';
import { solidPng } from '../e2e-services.js';
import { answers, type HereBot, useInboxWorld } from './inbox-world.js';
import { textOf } from './telegram-on-fake.js';

const world = useInboxWorld();

const postponedText = () => t('en', 'job.postponed_restart');
const texts = (calls: TelegramCall[]) => calls.map((c) => textOf(c));
/** How long the held call (a download, the "set aside" notice) is held: the edit arrives meanwhile. */
const HOLD_MS = 1500;

/** The held call has been made and is being held (its rule was taken). */
async function held(): Promise<void> {
  await expect.poll(() => world.fake.failures.pending, { timeout: 15_000, interval: 10 }).toBe(0);
}

/** The edit `update` was fetched, and so its handling has begun. */
async function taken(update: number): Promise<void> {
  await expect.poll(world.confirmed(update), { timeout: 5000, interval: 10 }).toBe(true);
}

/** The worker drains, as on SIGTERM: the queue takes no new job, the adapter still hears Telegram. */
const drain = (here: HereBot) => here.services.jobs.queue.stop({ waitMs: 2000 });

/** Restarts the bot and resolves with the request the job `request` asked for ran with. */
async function nextStartRuns(request: Message): Promise<unknown> {
  await world.stopHere();
  const { services } = await world.startHere({}, { albumQuietMs: 300 });
  const jobId = await world.jobRan(services, request);
  await expect.poll(() => world.keptUpdates(), { timeout: 5000, interval: 20 }).toEqual([]);
  // One job of it, and no other.
  expect(
    services.jobs.store.recentOf({ platform: 'telegram', userId: String(request.from?.id) }, 50),
  ).toHaveLength(1);
  return services.jobs.store.get(jobId)?.request;
}

describe('Telegram: an edit of a request set aside while the bot stops', { timeout: 90_000 }, () => {
  it('arriving after the request was set aside, before its handling ended: the edited line runs', async () => {
    const { fake } = world;
    const here = await world.startHere();
    await drain(here);
    // The notice that the request waits for the next start is held: the request is set aside, its handling goes on.
    fake.slowDown((c) => c.method === 'sendMessage' && c.params.reply_parameters !== undefined, HOLD_MS);
    const request = fake.injectText('/imagine a lighthouse');
    await held();
    fake.injectEdit(request, '/imagine a lighthouse at night');
    await taken(fake.lastUpdateId);
    await fake.waitForCall(answers(request), 15_000);

    expect(await nextStartRuns(request)).toMatchObject({ prompt: 'a lighthouse at night' });
    expect(texts(fake.callsTo(answers(request)))[0]).toBe(postponedText());
    // The postponement, then the job's status message: the edit itself said nothing.
    expect(fake.callsTo(answers(request))).toHaveLength(2);
  });

  it.each([
    ['the worker drained before the request came', true],
    ['the worker drained after the edit came', false],
  ])('arriving while the request still downloads (%s): the edited line runs', async (_, drainFirst) => {
    const { fake } = world;
    const here = await world.startHere();
    if (drainFirst) await drain(here);
    const photo = fake.registerFile(await solidPng('#963'));
    fake.slowDown('downloadFile', HOLD_MS);
    const request = fake.injectPhoto(photo, { caption: '/edit make the sky green' });
    await world.downloadHeld(1);
    fake.injectEdit(request, '/edit make the sky purple');
    await taken(fake.lastUpdateId);
    if (!drainFirst) await drain(here);
    await fake.waitForCall(answers(request), 15_000);
    expect(texts(fake.callsTo(answers(request)))[0]).toBe(postponedText());

    expect(await nextStartRuns(request)).toMatchObject({ prompt: 'make the sky purple' });
    expect(fake.callsTo(answers(request))).toHaveLength(2);
  });

  it.each([
    ['while its images download', 'downloadFile'],
    ['after it was set aside, its notice still being sent', 'sendMessage'],
  ])('an album: an edit of its caption %s is what the next start runs', async (_, heldCall) => {
    const { fake } = world;
    const here = await world.startHere({}, { albumQuietMs: 300 });
    await drain(here);
    const [image, mask] = await Promise.all([solidPng('#963'), solidPng('#fff')]);
    fake.slowDown(heldCall, HOLD_MS);
    const items = [
      fake.injectPhoto(fake.registerFile(image), { caption: '/retouch a hat', mediaGroupId: 'a1' }),
      fake.injectPhoto(fake.registerFile(mask), { mediaGroupId: 'a1' }),
    ];
    const [first] = items as [Message, Message];
    await held();
    fake.injectEdit(first, '/retouch a red scarf');
    await taken(fake.lastUpdateId);
    await fake.waitForCall(answers(first), 15_000);
    expect(texts(fake.callsTo(answers(first)))[0]).toBe(postponedText());

    expect(await nextStartRuns(first)).toMatchObject({ prompt: 'a red scarf' });
    expect(fake.callsTo(answers(first))).toHaveLength(2);
  });
});
