// A result's photo answered 5xx (Telegram's gateway timed out; the photo may well have arrived) is not sent again,
// which could show it twice: the status message says Telegram did not confirm it, and /queue still lists the
// result. The real grammY client and the bot's auto-retry against the in-repo fake Bot API.
import { beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { FakeTelegram } from '../../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { jobIdIn, newUsers, textOf, useTelegramOnFake } from './telegram-on-fake.js';

const bot = useTelegramOnFake('telegram-send-5xx', new TimedEngineDouble(40, 6));
let fake: FakeTelegram;
beforeAll(() => ({ fake } = bot));

const newUser = newUsers(7100);

describe('Telegram: a send answered 5xx', { timeout: 60_000 }, () => {
  it('the result photo is sent once; the status says it was not confirmed; /queue lists it', async () => {
    const from = newUser();
    fake.failMethod((c) => c.method === 'sendPhoto' && String(c.params.chat_id) === String(from.id), {
      errorCode: 502,
      description: 'Bad Gateway',
    });
    const { jobId, messageId } = await bot.statusOf(fake.injectText('/imagine a fox', { from }));
    await bot.ended(jobId);
    const photos = fake.callsTo(
      (c) => c.method === 'sendPhoto' && String(c.params.chat_id) === String(from.id),
    );
    expect(photos.length).toBe(1);
    expect(bot.deliveries.get(jobId)).toBe('undelivered');
    expect(fake.message(from.id, messageId)?.text).toBe(t('en', 'job.undelivered_unsure'));
    fake.injectText('/queue', { from });
    const listed = await fake.waitForCall(
      (c) =>
        c.method === 'sendMessage' && textOf(c).includes(jobId.slice(0, 8)) && /delivered/.test(textOf(c)),
    );
    expect(JSON.stringify(listed.params.reply_markup)).toContain(`original:${jobId}`);
  });

  it('a first reply answered 5xx: no "try again" (it would run twice); the result still answers the request', async () => {
    const from = newUser();
    const toAlice = (c: { method: string; params: Record<string, unknown> }) =>
      String(c.params.chat_id) === String(from.id);
    fake.failMethod((c) => c.method === 'sendMessage' && toAlice(c), {
      errorCode: 502,
      description: 'Bad Gateway',
    });
    const request = fake.injectText('/imagine a heron', { from });
    const unconfirmed = await fake.waitForCall((c) => c.method === 'sendMessage' && toAlice(c), 10_000);
    expect(unconfirmed.status).toBe(502);
    const jobId = jobIdIn(unconfirmed) as string;
    await bot.ended(jobId);
    expect(bot.deliveries.get(jobId)).toBe('replied');
    const photo = await fake.waitForCall((c) => c.method === 'sendPhoto' && toAlice(c));
    expect(JSON.stringify(photo.params.reply_parameters)).toContain(`"message_id":${request.message_id}`);
    const texts = fake.callsTo((c) => c.method === 'sendMessage' && toAlice(c)).map(textOf);
    expect(texts.filter((text) => text === t('en', 'errors.generic'))).toEqual([]);
    expect(texts.length).toBe(1);
    expect(bot.services.jobs.store.recentOf({ platform: 'telegram', userId: String(from.id) }).length).toBe(
      1,
    );
  });

  it('a status edit answered 5xx is tried again: the ending still shows in place', async () => {
    const from = newUser();
    const { jobId, messageId } = await bot.statusOf(fake.injectText('/imagine one to cancel', { from }));
    fake.failMethod((c) => c.method === 'editMessageText' && String(c.params.chat_id) === String(from.id), {
      errorCode: 500,
      description: 'Internal Server Error',
    });
    bot.services.jobs.queue.cancel(jobId, { platform: 'telegram', userId: String(from.id) });
    await bot.ended(jobId);
    expect(bot.deliveries.get(jobId)).toBe('edited');
    expect(fake.message(from.id, messageId)?.text).toBe(t('en', 'job.cancelled'));
  });
});
