// /queue's Cancel n on a job that takes longer to stop than the press's answer waits: the list is first edited to
// "stopping", then, once the job has ended, edited again to the list as it stands (the job gone, "Cancelled" on top),
// without the presser pressing Refresh and without a new message in the chat. A Refresh pressed while that edit waits
// out flood control, or while Telegram is still carrying it out, wins: the older list does not land over it. A list
// answered as a new message (the pressed one could not be edited) is the one edited once the job has ended.
import type { Message } from 'grammy/types';
import { beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { FakeTelegram, TelegramCall } from '../../doubles/fake-telegram/index.js';
import { HeldEngineDouble } from '../../doubles/held-engine-double.js';
import { inChat, textOf, useTelegramOnFake } from './telegram-on-fake.js';

// A cancelled run stops only when the test lets it (`engine.release()`): a step of fixed length (6 s) stood in for
// that, and a press handled late in the step (a loaded machine) saw the job stop within the answer's 2.5 s wait.
const engine = new HeldEngineDouble('until-released');
const bot = useTelegramOnFake('telegram-queue-slow-stop', engine);
let fake: FakeTelegram;
beforeAll(() => {
  fake = bot.fake;
});

/** A running job of Alice's and her /queue list in her private chat, with the list's message and the job. */
async function runningJobListed() {
  const chatId = fake.world.users.alice.id;
  const job = await bot.statusOf(fake.injectText('/imagine a slow lantern'));
  const { store } = bot.services.jobs;
  await expect.poll(() => store.get(job.jobId)?.status, { timeout: 20_000, interval: 20 }).toBe('running');
  const asked = fake.calls.length;
  fake.injectText('/queue');
  const listed = await fake.waitForCall(
    (c) => fake.calls.indexOf(c) >= asked && c.method === 'sendMessage' && inChat(chatId)(c),
    10_000,
  );
  const message = fake.message(chatId, (listed.result as Message).message_id) as Message;
  /** Lets the job, told to stop, end; and waits until it has. */
  const cancelled = () => {
    engine.release();
    return expect
      .poll(() => store.get(job.jobId)?.status, { timeout: 15_000, interval: 50 })
      .toBe('cancelled');
  };
  return { chatId, jobId: job.jobId, listed, message, cancelled };
}

/** The list's first line, `key` naming the job (the numbered button pressed is gone once the list is redrawn). */
const named = (key: 'cancel.stopping_named' | 'cancel.done_named', jobId: string) =>
  t('en', key, { prompt: 'a slow lantern', id: jobId.slice(0, 8) });
/** The list under its first line, which names the cancelled job. */
const listLines = (text: string | undefined) => text?.split('\n').slice(1).join('\n');

const editsOf = (messageId: number) => (c: TelegramCall) =>
  c.method === 'editMessageText' && c.params.message_id === messageId;

describe('Telegram: /queue Cancel n of a job slow to stop', { timeout: 60_000 }, () => {
  it('edits the list to "stopping", then to the list without the job once it has ended', async () => {
    const { chatId, jobId, listed, message, cancelled } = await runningJobListed();
    const editsOfList = () =>
      fake.calls.filter(
        (c) => c.method === 'editMessageText' && c.params.message_id === message.message_id && c.status < 300,
      );

    fake.injectCallbackQuery(message, `queue_cancel:${jobId}`);
    await expect.poll(() => editsOfList().length, { timeout: 10_000 }).toBe(1);
    expect(textOf(editsOfList()[0]!).split('\n')[0]).toBe(named('cancel.stopping_named', jobId));

    await cancelled();
    await expect.poll(() => editsOfList().length, { timeout: 5_000 }).toBe(2);
    const later = textOf(editsOfList()[1]!);
    expect(later.split('\n')[0]).toBe(named('cancel.done_named', jobId));
    expect(listLines(later)).not.toContain(jobId.slice(0, 8));
    expect(
      fake.calls
        .slice(fake.calls.indexOf(listed) + 1)
        .filter((c) => c.method === 'sendMessage' && inChat(chatId)(c))
        .map(textOf),
    ).toEqual([]);
  });

  it('a Refresh pressed while the stopped list waits out flood control is not overwritten by it', async () => {
    const { chatId, jobId, message, cancelled } = await runningJobListed();
    const edits = editsOf(message.message_id);
    fake.injectCallbackQuery(message, `queue_cancel:${jobId}`);
    await fake.waitForCall((c) => edits(c) && c.status === 200, 10_000);
    // The next edit of the list (the stopped list) is held back 3 s by flood control.
    fake.rateLimit(edits, { retryAfter: 3 });
    await cancelled();
    await fake.waitForCall((c) => edits(c) && c.status === 429, 5_000);
    const refreshed = fake.calls.length;
    fake.injectCallbackQuery(message, `queue_refresh:${jobId}`);
    const refresh = await fake.waitForCall(
      (c) => fake.calls.indexOf(c) >= refreshed && edits(c) && c.status === 200,
      5_000,
    );
    expect(textOf(refresh).split('\n')[0]).not.toBe(named('cancel.done_named', jobId));
    // Past the flood wait: the older list did not land over the Refresh.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect(fake.message(chatId, message.message_id)?.text).toBe(textOf(refresh));
    expect(fake.calls.filter((c) => edits(c) && c.status === 200).at(-1)).toBe(refresh);
  });

  it('a Refresh pressed while the stopped list is already on its way to Telegram lands after it', async () => {
    const { chatId, jobId, message, cancelled } = await runningJobListed();
    const edits = editsOf(message.message_id);
    const stopped = (c: TelegramCall) =>
      edits(c) && c.status === 200 && textOf(c).split('\n')[0] === named('cancel.done_named', jobId);
    fake.injectCallbackQuery(message, `queue_cancel:${jobId}`);
    await fake.waitForCall((c) => edits(c) && c.status === 200, 10_000);
    // Telegram takes the next edit of the list (the stopped list) and carries it out 3 s later: cutting the
    // connection meanwhile does not undo it.
    fake.slowDown(edits, 3000);
    await cancelled();
    await new Promise((resolve) => setTimeout(resolve, 600));
    const refreshed = fake.calls.length;
    fake.injectCallbackQuery(message, `queue_refresh:${jobId}`);
    await fake.waitForCall(stopped, 6_000);
    const refresh = await fake.waitForCall(
      (c) => fake.calls.indexOf(c) >= refreshed && edits(c) && c.status === 200 && !stopped(c),
      6_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(fake.calls.filter((c) => edits(c) && c.status === 200).at(-1)).toBe(refresh);
    expect(fake.message(chatId, message.message_id)?.text).toBe(textOf(refresh));
  });

  it('a list answered as a new message (the pressed one could not be edited) is the one brought up to date', async () => {
    const { chatId, jobId, message, cancelled } = await runningJobListed();
    fake.failMethod(editsOf(message.message_id), { description: "Bad Request: message can't be edited" });
    const pressed = fake.calls.length;
    fake.injectCallbackQuery(message, `queue_cancel:${jobId}`);
    const anew = await fake.waitForCall(
      (c) => fake.calls.indexOf(c) >= pressed && c.method === 'sendMessage' && inChat(chatId)(c),
      10_000,
    );
    expect(textOf(anew).split('\n')[0]).toBe(named('cancel.stopping_named', jobId));
    const sentId = (anew.result as Message).message_id;
    await cancelled();
    await expect
      .poll(() => fake.message(chatId, sentId)?.text?.split('\n')[0], { timeout: 5_000 })
      .toBe(named('cancel.done_named', jobId));
    expect(listLines(fake.message(chatId, sentId)?.text)).not.toContain(jobId.slice(0, 8));
  });
});
