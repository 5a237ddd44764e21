// Webhook mode's side of the inbox (adapters/telegram/inbox.ts): the bot runs in a child process in webhook mode and
// is killed with SIGKILL while it handles an update. An /edit killed in its photo's download got no answer, so
// Telegram posts it again: the next start handles it from the inbox first, and Telegram's post is then a repeat, so
// it runs once. An album is answered as its items arrive: Telegram is done with them, and only the inbox hands them
// to the next start. Tests post each update as Telegram would (inbox-world.ts).
import type { Message } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { solidPng } from '../e2e-services.js';
import {
  answers,
  CHILD_WEBHOOK_ENV,
  crash,
  HELD_MS,
  postUpdate,
  useInboxWorld,
  WEBHOOK_ENV,
} from './inbox-world.js';
import { jobIdIn } from './telegram-on-fake.js';

const world = useInboxWorld();

/** The jobs the start made of `request`: their status messages. */
const statusesOf = (request: Message) =>
  world.fake.callsTo((c) => answers(request)(c) && jobIdIn(c) !== undefined);

describe('Telegram webhook updates taken before a crash', { timeout: 90_000 }, () => {
  it('a request being handled when the process is killed is handled at the next start, once', async () => {
    const { fake } = world;
    const first = await world.startChild(CHILD_WEBHOOK_ENV);
    const photo = fake.registerFile(await solidPng('#369'));
    fake.slowDown('downloadFile', HELD_MS);
    const request = fake.injectPhoto(photo, { caption: '/edit make the sky green' });
    const update = { update_id: fake.lastUpdateId, message: request };
    const posted = postUpdate(first.webhookPort, update).catch(() => 'no answer');
    await world.downloadHeld(1);
    expect(world.keptUpdates()).toEqual([update.update_id]);
    await crash(first);
    expect(await posted).toBe('no answer');
    expect(fake.callsTo(answers(request))).toEqual([]);

    const here = await world.startHere(WEBHOOK_ENV, { webhookPort: 0 });
    await world.jobRan(here.services, request);
    // Telegram got no answer, so it posts the update again: a repeat of the one the inbox handed on.
    expect(await postUpdate(here.running.bot.webhookPort, update)).toBe(200);
    expect(fake.callsTo('getFile')).toHaveLength(2);
    expect(statusesOf(request)).toHaveLength(1);
    expect(world.keptUpdates()).toEqual([]);
  });

  it('an album Telegram was answered for, still gathering when the process is killed, is handled at the next start', async () => {
    const { fake } = world;
    // It gathers far longer than the test: only the crash can end it.
    const first = await world.startChild({ ...CHILD_WEBHOOK_ENV, ALBUM_QUIET_MS: '60000' });
    const [image, mask] = await Promise.all([solidPng('#963'), solidPng('#fff')]);
    const items = [
      fake.injectPhoto(fake.registerFile(image), { caption: '/retouch a hat', mediaGroupId: 'a1' }),
      fake.injectPhoto(fake.registerFile(mask), { mediaGroupId: 'a1' }),
    ];
    const last = fake.lastUpdateId;
    const ids = [last - 1, last];
    // Each item is answered at once: Telegram will not post them again.
    for (const [i, message] of items.entries())
      expect(await postUpdate(first.webhookPort, { update_id: ids[i], message })).toBe(200);
    expect(world.keptUpdates()).toEqual(ids);
    await crash(first);
    expect(fake.callsTo('getFile')).toEqual([]);

    const here = await world.startHere(WEBHOOK_ENV, { webhookPort: 0 });
    await world.jobRan(here.services, items[0] as Message);
    expect(fake.callsTo('getFile')).toHaveLength(2);
    expect(world.keptUpdates()).toEqual([]);
  });
});
