// Telegram's flood control (429 with retry_after) with the real grammY client against the fake Bot API. grammY's
// auto-retry waits out short 429s itself and hands longer ones back; here it hands every one back
// (`autoRetryMaxDelayS: 0`), so the adapter's own handling of a long 429 runs in seconds: a job's ending waits it
// out and is delivered, progress edits pause for as long as Telegram asks, and stopping ends such a wait at once,
// the ending marked undelivered as before.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { FakeTelegram } from '../../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { inChat, newUsers, textOf, useTelegramOnFake } from './telegram-on-fake.js';

// 16 steps of 100 ms: progress keeps coming for a while after a 429 of one second.
const bot = useTelegramOnFake('telegram-flood', new TimedEngineDouble(100, 16), {
  env: { QUEUE_MAX_PER_USER: '10' },
  testing: { autoRetryMaxDelayS: 0 },
});
let fake: FakeTelegram;
beforeAll(() => ({ fake } = bot));
afterEach(() => fake.failures.clear());

const newUser = newUsers(7000);

/** The status message answering `request`, and its job. */
const { ended, statusOf } = bot;

describe('Telegram under flood control', { timeout: 60_000 }, () => {
  it('a result refused with a 429 is sent again after retry_after, replying to the request', async () => {
    const from = newUser();
    fake.rateLimit((c) => c.method === 'sendPhoto' && inChat(from.id)(c), { times: 1, retryAfter: 1 });
    const request = fake.injectText('/imagine a fox in a flood', { from });
    const { jobId } = await statusOf(request);
    await ended(jobId);
    expect(bot.deliveries.get(jobId)).toBe('replied');
    const photos = fake.callsTo((c) => c.method === 'sendPhoto' && inChat(from.id)(c));
    expect(photos.map((c) => c.status)).toEqual([429, 200]);
    expect((photos[1]?.at ?? 0) - (photos[0]?.at ?? 0)).toBeGreaterThanOrEqual(900);
    expect(photos[1]?.params.reply_parameters?.message_id).toBe(request.message_id);
  });

  it('a text ending refused with a 429 edits the status message after retry_after', async () => {
    const from = newUser();
    const request = fake.injectText('/imagine a fox to cancel', { from });
    const { jobId, messageId } = await statusOf(request);
    const cancelled = t('en', 'job.cancelled');
    fake.rateLimit((c) => c.method === 'editMessageText' && textOf(c) === cancelled, {
      times: 1,
      retryAfter: 1,
    });
    bot.services.jobs.queue.cancel(jobId, { platform: 'telegram', userId: String(from.id) });
    await ended(jobId);
    expect(bot.deliveries.get(jobId)).toBe('edited');
    expect(fake.message(from.id, messageId)?.text).toBe(cancelled);
    const edits = fake.callsTo((c) => c.method === 'editMessageText' && textOf(c) === cancelled);
    expect(edits.map((c) => c.status)).toEqual([429, 200]);
  });

  it('a progress edit refused with a 429 pauses the progress edits for retry_after; the result still comes', async () => {
    const from = newUser();
    fake.rateLimit((c) => c.method === 'editMessageText' && inChat(from.id)(c), {
      times: 1,
      retryAfter: 1,
    });
    const { jobId, messageId } = await statusOf(fake.injectText('/imagine a patient fox', { from }));
    const refused = await fake.waitForCall(
      (c) => c.method === 'editMessageText' && inChat(from.id)(c) && c.status === 429,
      10_000,
    );
    await ended(jobId);
    expect(bot.deliveries.get(jobId)).toBe('replied');
    const edits = fake.callsTo(
      (c) => c.method === 'editMessageText' && inChat(from.id)(c) && c.params.message_id === messageId,
    );
    const during = edits.filter((c) => c.at > refused.at && c.at < refused.at + 900);
    expect(during).toEqual([]);
  });

  it('stopping ends a wait for retry_after at once; the ending is marked undelivered', async () => {
    const from = newUser();
    fake.rateLimit((c) => c.method === 'sendPhoto' && inChat(from.id)(c), { times: 5, retryAfter: 30 });
    const { jobId, messageId } = await statusOf(fake.injectText('/imagine a fox at closing time', { from }));
    await fake.waitForCall((c) => c.method === 'sendPhoto' && inChat(from.id)(c) && c.status === 429, 15_000);
    const stopping = Date.now();
    await bot.running.stop();
    expect(Date.now() - stopping).toBeLessThan(5000);
    expect(bot.deliveries.get(jobId)).toBe('undelivered');
    expect(fake.message(from.id, messageId)?.text).toBe(t('en', 'job.undelivered'));
  });
});
