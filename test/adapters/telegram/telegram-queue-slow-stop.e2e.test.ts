// /queue's Cancel n on a job that takes longer to stop than the press's answer waits: the list is first edited to
// "stopping", then, once the job has ended, edited again to the list as it stands (the job gone, "Cancelled" on top),
// without the presser pressing Refresh and without a new message in the chat.
import type { Message } from 'grammy/types';
import { beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { FakeTelegram } from '../../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { inChat, textOf, useTelegramOnFake } from './telegram-on-fake.js';

// A step of 6 s: a job cancelled as it starts its run stops well after the answer's 2.5 s wait.
const bot = useTelegramOnFake('telegram-queue-slow-stop', new TimedEngineDouble(6000, 2));
let fake: FakeTelegram;
beforeAll(() => {
  fake = bot.fake;
});

describe('Telegram: /queue Cancel n of a job slow to stop', { timeout: 60_000 }, () => {
  it('edits the list to "stopping", then to the list without the job once it has ended', async () => {
    const chatId = fake.world.users.alice.id;
    const job = await bot.statusOf(fake.injectText('/imagine a slow lantern'));
    const { store } = bot.services.jobs;
    await expect.poll(() => store.get(job.jobId)?.status, { timeout: 10_000, interval: 20 }).toBe('running');
    const asked = fake.calls.length;
    fake.injectText('/queue');
    const listed = await fake.waitForCall(
      (c) => fake.calls.indexOf(c) >= asked && c.method === 'sendMessage' && inChat(chatId)(c),
      10_000,
    );
    const message = fake.message(chatId, (listed.result as Message).message_id) as Message;
    const editsOfList = () =>
      fake.calls.filter(
        (c) => c.method === 'editMessageText' && c.params.message_id === message.message_id && c.status < 300,
      );

    fake.injectCallbackQuery(message, `queue_cancel:${job.jobId}`);
    await expect.poll(() => editsOfList().length, { timeout: 10_000 }).toBe(1);
    expect(textOf(editsOfList()[0]!).split('\n')[0]).toBe(t('en', 'cancel.stopping'));

    await expect
      .poll(() => store.get(job.jobId)?.status, { timeout: 15_000, interval: 50 })
      .toBe('cancelled');
    await expect.poll(() => editsOfList().length, { timeout: 5_000 }).toBe(2);
    const later = textOf(editsOfList()[1]!);
    expect(later.split('\n')[0]).toBe(t('en', 'cancel.done'));
    expect(later).not.toContain(job.jobId.slice(0, 8));
    expect(
      fake.calls
        .slice(fake.calls.indexOf(listed) + 1)
        .filter((c) => c.method === 'sendMessage' && inChat(chatId)(c))
        .map(textOf),
    ).toEqual([]);
  });
});
