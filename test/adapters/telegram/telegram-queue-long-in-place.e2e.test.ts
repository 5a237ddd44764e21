// A /queue list longer than one Telegram message (many jobs waiting, QUEUE_MAX_PER_USER raised), its running job's
// Cancel pressed: the list is answered while the job is still stopping, and put in the same place again once it has
// stopped (source-replacement.ts `showWhenKnown`). Only its first part fits that place: in a private chat the rest
// go into the /queue answer's later parts each time, edited in place (list-parts.ts), so every line the first part's
// buttons name is shown, numbered as they are, and none is left under it with the earlier numbering.
import type { Message } from 'grammy/types';
import { beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { FakeTelegram, TelegramCall } from '../../doubles/fake-telegram/index.js';
import { padding, short, useLongQueueWorld } from './long-queue-world.js';
import { textOf } from './telegram-on-fake.js';

const JOBS = 45;
const { engine, bot, sentTo } = useLongQueueWorld('telegram-queue-long-in-place', JOBS);
let fake: FakeTelegram;
beforeAll(() => ({ fake } = bot));

describe('Telegram: a /queue list longer than a message, updated in place', { timeout: 90_000 }, () => {
  it('in a private chat, the list put in place once its job stopped shows the rest in the earlier later parts', async () => {
    const chatId = fake.world.users.alice.id;
    const jobs: string[] = [];
    for (let n = 1; n <= JOBS; n++)
      jobs.push((await bot.statusOf(fake.injectText(`/imagine fox ${n} ${padding}`))).jobId);
    const asked = fake.calls.length;
    fake.injectText('/queue');
    const listed = await fake.waitForCall(sentTo(chatId, asked), 10_000);
    await expect.poll(() => fake.callsTo(sentTo(chatId, asked)).length, { timeout: 5000 }).toBeGreaterThan(1);
    const message = fake.message(chatId, (listed.result as Message).message_id) as Message;

    const later = fake.callsTo(sentTo(chatId, asked)).map((c) => (c.result as Message).message_id);
    const shown = () => later.map((id) => fake.message(chatId, id)?.text ?? '').join('\n');

    // Cancel 1, the running job: it is held, so the answer shows it stopping, its later parts edited to follow it.
    const pressed = fake.calls.length;
    fake.injectCallbackQuery(message, `queue_cancel:${jobs[0]}`);
    const editOf = (first: string) => (c: TelegramCall) =>
      c.method === 'editMessageText' &&
      c.params.message_id === message.message_id &&
      textOf(c).startsWith(first);
    // The answer names the job (its prompt is under 80 characters: not shortened).
    const named = { prompt: `fox 1 ${padding}`, id: short(jobs[0] as string) };
    await fake.waitForCall(editOf(t('en', 'cancel.stopping_named', named)), 10_000);
    const misnamed = (waiting: string[]) => () =>
      waiting.filter((job) => shown().split(short(job)).length !== 2).map(short);
    await expect.poll(misnamed(jobs.slice(1)), { timeout: 10_000 }).toEqual([]);

    // Once it has stopped, the list is put in place again: its parts show the rest again, numbered as it is.
    await engine.release();
    await fake.waitForCall(editOf(t('en', 'cancel.done_named', named)), 10_000);
    await expect.poll(misnamed(jobs.slice(1)), { timeout: 10_000 }).toEqual([]);
    // Its first line says what the press did; the list's own lines name the cancelled job nowhere.
    expect(shown().split('\n').slice(1).join('\n')).not.toContain(short(jobs[0] as string));
    // No part was sent anew: the list's messages were enough for it.
    expect(fake.callsTo(sentTo(chatId, pressed))).toHaveLength(0);

    for (const job of jobs)
      bot.services.jobs.queue.cancel(job, { platform: 'telegram', userId: String(chatId) });
    engine.releaseAll();
    const active = () => bot.services.jobs.store.byStatus('queued', 'running').length;
    await expect.poll(active, { timeout: 10_000 }).toBe(0);
  });
});
