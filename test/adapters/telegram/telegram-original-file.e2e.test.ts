// An image that never reached its owner waits in /queue under a button that sends its file. The job counts as
// delivered only once Telegram took that file: one it refuses (no right to send documents there, too large, a lost
// connection) leaves the job listed at the next /queue, whose button may be pressed again.
import type { Message } from 'grammy/types';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FakeTelegram, TelegramCall } from '../../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { newUsers, textOf, useTelegramOnFake } from './telegram-on-fake.js';

const bot = useTelegramOnFake('telegram-original-file', new TimedEngineDouble(5, 3));
let fake: FakeTelegram;
beforeAll(() => ({ fake } = bot));
const newUser = newUsers(7_400_000);

describe('Telegram: the file of an undelivered image', { timeout: 60_000 }, () => {
  it('refused, it leaves the job listed at the next /queue; sent, it delivers the job', async () => {
    const from = newUser();
    const owner = { platform: 'telegram' as const, userId: String(from.id) };
    const { store } = bot.services.jobs;
    const undelivered = () => store.deliveries.undeliveredOf(owner).map((job) => job.id);
    const { jobId } = await bot.statusOf(fake.injectText('/imagine a fox that got lost --steps 3', { from }));
    await bot.ended(jobId);
    store.deliveries.markUndelivered(jobId);
    const button = `original:${jobId}`;

    /** Asks for /queue: the message listing the image with its button. */
    const listing = async (): Promise<Message> => {
      const request = fake.injectText('/queue', { from });
      const listed = await fake.waitForCall(
        (c) =>
          c.method === 'sendMessage' &&
          c.status === 200 &&
          c.params.reply_parameters?.message_id === request.message_id &&
          JSON.stringify(c.params.reply_markup ?? '').includes(button),
        10_000,
      );
      return listed.result as Message;
    };
    const fileSent = (c: TelegramCall) =>
      c.method === 'sendDocument' && String(c.params.chat_id) === String(from.id);

    fake.failMethod(fileSent, {
      errorCode: 400,
      description: 'Bad Request: not enough rights to send documents to the chat',
    });
    fake.injectCallbackQuery(await listing(), button, from);
    const refused = await fake.waitForCall(fileSent, 10_000);
    expect(refused.status).toBe(400);
    expect(undelivered()).toEqual([jobId]);

    // Listed again; its button, pressed on the new list, sends the file, which delivers the job.
    const before = fake.calls.length;
    fake.injectCallbackQuery(await listing(), button, from);
    await expect
      .poll(
        () =>
          fake.calls
            .slice(before)
            .filter(fileSent)
            .map((c) => c.status),
        { timeout: 10_000 },
      )
      .toEqual([200]);
    await expect.poll(undelivered, { timeout: 5000 }).toEqual([]);
    const request = fake.injectText('/queue', { from });
    const last = await fake.waitForCall(
      (c) => c.method === 'sendMessage' && c.params.reply_parameters?.message_id === request.message_id,
      10_000,
    );
    expect(textOf(last)).not.toContain(jobId.slice(0, 8));
  });
});
