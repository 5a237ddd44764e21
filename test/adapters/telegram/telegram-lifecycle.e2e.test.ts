// The job-status lifecycle on Telegram with the real grammY client (and its runner) against the in-repo fake Bot
// API, on a fast engine double: each job's status message ends in a final state (text endings in place, results
// as photo replies), refused edits fall back to a reply, an ending nobody received is marked and told, repeated
// updates are handled once, chats run concurrently and each chat in order. Any unhandled rejection fails the test.
import { beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { FakeTelegram } from '../../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { solidPng } from '../e2e-services.js';
import { jobIdIn, newUsers, textOf, useTelegramOnFake } from './telegram-on-fake.js';

const bot = useTelegramOnFake('telegram-lifecycle', new TimedEngineDouble(40, 6), {
  env: { QUEUE_MAX_PER_USER: '10' },
});
let fake: FakeTelegram;
beforeAll(() => ({ fake } = bot));

const newUser = newUsers(5000);

/** The queued message sent to `chatId` and the job it names. */
async function queued(chatId: number) {
  const call = await fake.waitForCall(
    (c) =>
      c.method === 'sendMessage' && String(c.params.chat_id) === String(chatId) && jobIdIn(c) !== undefined,
    10_000,
  );
  const messageId = Number((call.result as { message_id?: number } | undefined)?.message_id);
  return { jobId: jobIdIn(call) as string, messageId, call };
}

const { ended } = bot;

describe('Telegram job lifecycle', { timeout: 60_000 }, () => {
  it('a result is a photo replying to the request; the status message goes', async () => {
    const from = newUser();
    const request = fake.injectText('/imagine a fox', { from });
    const { jobId, messageId } = await queued(from.id);
    await ended(jobId);
    expect(bot.deliveries.get(jobId)).toBe('replied');
    const photo = fake.callsTo('sendPhoto').find((c) => JSON.stringify(c.params).includes(`reroll:${jobId}`));
    expect(JSON.stringify(photo?.params.reply_parameters)).toContain(`"message_id":${request.message_id}`);
    expect(fake.message(from.id, messageId)).toBeUndefined();
  });

  it('/cancel ends the job’s own status message (Cancelled, no keyboard); the /cancel answer is separate', async () => {
    const from = newUser();
    fake.injectText('/imagine first', { from });
    await queued(from.id);
    fake.injectText('/imagine second', { from });
    const second = await fake.waitForCall(
      (c) =>
        c.method === 'sendMessage' && String(c.params.chat_id) === String(from.id) && /ahead/.test(textOf(c)),
      10_000,
    );
    const jobId = jobIdIn(second) as string;
    const messageId = Number((second.result as { message_id: number }).message_id);
    fake.injectText(`/cancel ${jobId.slice(0, 8)}`, { from });
    await ended(jobId);
    expect(bot.deliveries.get(jobId)).toBe('edited');
    const status = fake.message(from.id, messageId);
    expect(status?.text).toBe(t('en', 'job.cancelled'));
    expect(status?.reply_markup).toBeUndefined();
    const answer = t('en', 'cancel.done_named', { prompt: 'second', id: jobId.slice(0, 8) });
    await fake.waitForCall((c) => c.method === 'sendMessage' && textOf(c) === answer);
  });

  it('a refused edit of the status message: the ending is a reply to the user’s message instead', async () => {
    const from = newUser();
    const request = fake.injectText('/imagine will be cancelled', { from });
    const { jobId } = await queued(from.id);
    fake.refuseEdits(100);
    bot.services.jobs.queue.cancel(jobId, { platform: 'telegram', userId: String(from.id) });
    await ended(jobId);
    fake.failures.clear();
    expect(bot.deliveries.get(jobId)).toBe('replied');
    const reply = fake
      .callsTo('sendMessage')
      .find((c) => String(c.params.chat_id) === String(from.id) && textOf(c) === t('en', 'job.cancelled'));
    expect(JSON.stringify(reply?.params.reply_parameters)).toContain(`"message_id":${request.message_id}`);
  });

  it('a result nobody could receive is marked undelivered, said in place, at the next message and in /queue', async () => {
    const from = newUser();
    fake.injectText('/imagine lost', { from });
    const { jobId, messageId } = await queued(from.id);
    fake.failMethod((c) => c.method === 'sendPhoto' || c.method === 'sendDocument', {
      times: 100,
      errorCode: 403,
      description: 'Forbidden: bot was blocked by the user',
    });
    await ended(jobId);
    fake.failures.clear();
    expect(bot.deliveries.get(jobId)).toBe('undelivered');
    expect(fake.message(from.id, messageId)?.text).toBe(t('en', 'job.undelivered'));
    fake.injectText('/help', { from });
    await fake.waitForCall((c) => c.method === 'sendMessage' && textOf(c).includes('/queue lists them'));
    fake.injectText('/queue', { from });
    const listed = await fake.waitForCall(
      (c) =>
        c.method === 'sendMessage' && textOf(c).includes(jobId.slice(0, 8)) && /delivered/.test(textOf(c)),
    );
    expect(JSON.stringify(listed.params.reply_markup)).toContain(`original:${jobId}`);
  });
});

describe('Telegram: repeated and odd updates, throughput', { timeout: 60_000 }, () => {
  it('the same update_id delivered again makes one job', async () => {
    const from = newUser();
    fake.injectText('/imagine only once', { from });
    fake.redeliver(fake.lastUpdateId);
    fake.redeliver(fake.lastUpdateId);
    const { jobId } = await queued(from.id);
    await ended(jobId);
    const jobs = bot.services.jobs.store.recentOf({ platform: 'telegram', userId: String(from.id) });
    expect(jobs.length).toBe(1);
    expect(
      fake.callsTo((c) => c.method === 'sendMessage' && String(c.params.chat_id) === String(from.id)).length,
    ).toBe(1);
  });

  it('a photo message with an empty photo array is ignored; the chat is still served', async () => {
    const from = newUser();
    fake.injectUpdate({
      message: {
        message_id: 9_000_001,
        date: Math.floor(Date.now() / 1000),
        chat: { id: from.id, type: 'private', first_name: from.first_name },
        from,
        photo: [],
        caption: '/describe',
      },
    });
    fake.injectText('/help', { from });
    const help = await fake.waitForCall(
      (c) => c.method === 'sendMessage' && String(c.params.chat_id) === String(from.id),
    );
    expect(textOf(help)).toContain('/imagine');
  });

  it('a slow download holds up only its own chat, whose updates stay in order', async () => {
    const slow = newUser();
    const quick = newUser();
    const photo = fake.registerFile(await solidPng('#369'));
    fake.slowDown('downloadFile', 1500);
    fake.injectPhoto(photo, { caption: '/describe', from: slow });
    fake.injectText('/help', { from: slow });
    await new Promise((resolve) => setTimeout(resolve, 100));
    fake.injectText('/help', { from: quick });
    const quickHelp = await fake.waitForCall(
      (c) => c.method === 'sendMessage' && String(c.params.chat_id) === String(quick.id),
      10_000,
    );
    const slowCalls = () =>
      fake.callsTo((c) => c.method === 'sendMessage' && String(c.params.chat_id) === String(slow.id));
    // The quick chat was answered while the slow one still waited for its download.
    expect(slowCalls()).toEqual([]);
    await expect.poll(() => slowCalls().length, { timeout: 10_000 }).toBe(2);
    expect(jobIdIn(slowCalls()[0] as never)).toBeDefined();
    expect(textOf(slowCalls()[1] as never)).toContain('/imagine');
    expect(quickHelp.at ?? 0).toBeLessThan(slowCalls()[0]?.at ?? Number.POSITIVE_INFINITY);
    await ended(jobIdIn(slowCalls()[0] as never) as string);
  });

  it('in a group, personal answers and refusals reply to the user’s own message', async () => {
    const from = newUser();
    const asks = [
      fake.injectText('/queue', { from, chat: 'group' }),
      fake.injectText('/settings', { from, chat: 'group' }),
      fake.injectText('/imagine', { from, chat: 'group' }),
    ];
    for (const ask of asks) {
      const answer = await fake.waitForCall(
        (c) =>
          c.method === 'sendMessage' &&
          String(c.params.chat_id) === String(fake.world.group.id) &&
          JSON.stringify(c.params.reply_parameters ?? '').includes(`"message_id":${ask.message_id}`),
        10_000,
      );
      expect(textOf(answer).length).toBeGreaterThan(0);
    }
  });

  it('what the user typed is shown as plain text: no parse mode, ever', async () => {
    const from = newUser();
    fake.injectText('/imagine <b>*bold*</b> [x](http://e.vil) _it_ --ar @everyone', { from });
    fake.injectText('/settings aspect=<i>', { from });
    await fake.waitForCalls(
      (c) => c.method === 'sendMessage' && String(c.params.chat_id) === String(from.id),
      2,
    );
    expect(fake.calls.some((c) => 'parse_mode' in c.params)).toBe(false);
  });
});
