// An answer that begins once the inbox closed (adapters/telegram/answers-begun.ts): a handling outlived the adapter's
// stop, its row left for the next start, which handles the update again; the mark that would make that start drop it
// can be written no more. Sent now, it would be given twice. It is held back instead, its sender told the request
// waits for the next start, which answers it, once.
import { describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import { answers, useInboxWorld } from './inbox-world.js';
import { textOf } from './telegram-on-fake.js';

const world = useInboxWorld();

describe('an answer whose try comes after the stop', { timeout: 90_000 }, () => {
  it('is held back; the sender hears the request waits for the next start, which answers it once', async () => {
    const { fake } = world;
    const here = await world.startHere();
    // Longer than the adapter's stop waits for handlers (10 s): the try after the wait comes once the inbox closed.
    fake.rateLimit((c) => c.method === 'sendMessage', { retryAfter: 11 });
    const request = fake.injectText('/help');
    await fake.waitForCall(answers(request), 15_000);
    await here.services.jobs.queue.stop({ waitMs: 2000 });
    await here.running.stop();
    const taken = () => fake.callsTo((c) => answers(request)(c) && c.status === 200);
    await expect.poll(() => taken().length, { timeout: 15_000, interval: 50 }).toBe(1);
    expect(taken().map(textOf)).toEqual([t('en', 'job.postponed_restart')]);
    await world.stopHere();

    await world.startHere();
    const marker = fake.injectText('/help', { from: request.from });
    await fake.waitForCall(answers(marker), 15_000);
    expect(taken().map((c) => textOf(c) === t('en', 'job.postponed_restart'))).toEqual([true, false]);
    await expect.poll(() => world.keptUpdates(), { timeout: 5000, interval: 20 }).toEqual([]);
  });
});
