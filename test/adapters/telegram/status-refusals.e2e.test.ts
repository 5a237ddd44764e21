// A job's status message refused by Telegram while the job runs, with the real grammY client (and its auto-retry, as
// the bot runs it) against the fake Bot API, on a job of six 300 ms steps. A 429 on a progress edit comes back at
// once: the states pause for retry_after, the newest is shown after it (no stale one sent again) and the result is
// not held behind them. A status message the user deleted is edited no more after Telegram's first "not found": the
// ending comes as a new message replying to the request.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { FakeTelegram } from '../../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { inChat, newUsers, textOf, useTelegramOnFake } from './telegram-on-fake.js';

// A 1.8 s job; grammY's auto-retry as the bot installs it (it waits out a 429 of up to 60 s by itself).
const bot = useTelegramOnFake('telegram-status-refusals', new TimedEngineDouble(300, 6), {
  env: { QUEUE_MAX_PER_USER: '10' },
});
let fake: FakeTelegram;
beforeAll(() => ({ fake } = bot));
afterEach(() => fake.failures.clear());

const newUser = newUsers(7500);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The status message answering `request`, its job and when it was sent. */
const { statusOf } = bot;
const ended = (jobId: string) => bot.ended(jobId, 20_000);

/** Every edit of the status message `messageId` in `chatId` (text, caption, media, keyboard). */
const editsOf = (chatId: number, messageId: number) =>
  fake.callsTo(
    (c) => /^editMessage/.test(c.method) && inChat(chatId)(c) && c.params.message_id === messageId,
  );

describe('Telegram status message refused while the job runs', { timeout: 40_000 }, () => {
  it('a 429 on a progress edit: nothing stale is sent again, and the result is not held for retry_after', async () => {
    const from = newUser();
    fake.rateLimit((c) => /^editMessage/.test(c.method) && inChat(from.id)(c), { times: 3, retryAfter: 4 });
    const request = fake.injectText('/imagine flood', { from });
    const { jobId, messageId, at } = await statusOf(request);
    await ended(jobId);
    expect(bot.deliveries.get(jobId)).toBe('replied');
    const photo = fake.callsTo((c) => c.method === 'sendPhoto' && inChat(from.id)(c) && c.status === 200)[0];
    expect(photo?.params.reply_parameters?.message_id).toBe(request.message_id);
    // The job takes 1.8 s: its result comes then, not after the 4 s the refused progress edit was told to wait.
    expect((photo?.at ?? Number.POSITIVE_INFINITY) - at).toBeLessThan(3500);
    // Once the wait is over nothing of the ended job goes to its status message, which the result replaced.
    await sleep(Math.max(0, at + 4500 - Date.now()));
    expect(editsOf(from.id, messageId).map((c) => c.status)).toEqual([429]);
    expect(fake.message(from.id, messageId)).toBeUndefined();
  });

  it('after a 429 on a progress edit, the newest state is shown when retry_after ends, never the refused one', async () => {
    const from = newUser();
    fake.rateLimit((c) => /^editMessage/.test(c.method) && inChat(from.id)(c), { times: 1, retryAfter: 1 });
    const { jobId, messageId } = await statusOf(fake.injectText('/imagine patient', { from }));
    await ended(jobId);
    const edits = editsOf(from.id, messageId);
    expect(edits.map((c) => c.status)).toEqual([429, ...edits.slice(1).map(() => 200)]);
    expect(edits.length).toBeGreaterThan(1);
    const [refused, next] = edits;
    expect((next?.at ?? 0) - (refused?.at ?? 0)).toBeGreaterThanOrEqual(950);
    // Three steps came during the second's wait: the one shown after it is a newer one, not the refused one again.
    expect(textOf(next ?? refused ?? { params: {} })).not.toBe(textOf(refused ?? { params: {} }));
    const texts = edits.map(textOf);
    expect(new Set(texts).size).toBe(texts.length);
  });

  it('a status message the user deleted: one refused edit, then the result as a new message, nothing more', async () => {
    const from = newUser();
    const request = fake.injectText('/imagine gone', { from });
    const { jobId, messageId } = await statusOf(request);
    fake.deleteMessage(from.id, messageId);
    await ended(jobId);
    expect(bot.deliveries.get(jobId)).toBe('replied');
    expect(editsOf(from.id, messageId).map((c) => [c.status, c.error])).toEqual([
      [400, 'Bad Request: message to edit not found'],
    ]);
    const photo = fake.callsTo((c) => c.method === 'sendPhoto' && inChat(from.id)(c))[0];
    expect(photo?.params.reply_parameters?.message_id).toBe(request.message_id);
    // The deleted status message is not deleted again either.
    expect(fake.callsTo((c) => c.method === 'deleteMessage' && inChat(from.id)(c))).toEqual([]);
  });

  it('a deleted status message and a cancelled job: the ending is a new message, not another edit', async () => {
    const from = newUser();
    const request = fake.injectText('/imagine gone then cancelled', { from });
    const { jobId, messageId } = await statusOf(request);
    fake.deleteMessage(from.id, messageId);
    await fake.waitForCall(
      (c) => /^editMessage/.test(c.method) && c.params.message_id === messageId && c.status === 400,
      10_000,
    );
    bot.services.jobs.queue.cancel(jobId, { platform: 'telegram', userId: String(from.id) });
    await ended(jobId);
    expect(bot.deliveries.get(jobId)).toBe('replied');
    expect(editsOf(from.id, messageId).map((c) => c.status)).toEqual([400]);
    const ending = fake
      .callsTo('sendMessage')
      .find((c) => inChat(from.id)(c) && textOf(c) === t('en', 'job.cancelled'));
    expect(ending?.params.reply_parameters?.message_id).toBe(request.message_id);
  });

  it('a status message that can no longer be edited is treated the same: no edit after the first refusal', async () => {
    const from = newUser();
    fake.failMethod((c) => /^editMessage/.test(c.method) && inChat(from.id)(c), {
      times: 100,
      description: "Bad Request: message can't be edited",
    });
    const request = fake.injectText('/imagine old', { from });
    const { jobId, messageId } = await statusOf(request);
    await ended(jobId);
    expect(bot.deliveries.get(jobId)).toBe('replied');
    expect(editsOf(from.id, messageId).map((c) => c.status)).toEqual([400]);
  });

  it('a first answer Telegram refuses for good (the user blocked the bot) withdraws its job: nothing runs for no one', async () => {
    const from = newUser();
    fake.failSendsTo(from.id, { times: 5, description: 'Forbidden: bot was blocked by the user' });
    fake.injectText('/imagine unheard', { from });
    const call = await fake.waitForCall((c) => c.method === 'sendMessage' && inChat(from.id)(c), 10_000);
    const jobId = /cancel:([0-9a-f-]{36})/.exec(JSON.stringify(call.params))?.[1] as string;
    expect(call.status).toBe(403);
    await expect
      .poll(() => bot.services.jobs.store.get(jobId)?.status, { timeout: 10_000 })
      .toBe('cancelled');
  });
});
