// A /queue list longer than one Telegram message (QUEUE_MAX_PER_USER raised, many jobs), put in place again after its
// Cancel n, its Refresh, or once its cancelled running job stopped (adapters/telegram/list-parts.ts): the earlier
// list's later parts become the new list's, edited in place, and only the parts there was no message for are sent
// anew. What the chat shows under the list's first message is the new list once, never the earlier one's lines
// beside it (numbered as they were, naming cancelled jobs). In a group nothing new is sent, but the later parts
// already there are brought up to date. A part Telegram will not edit (deleted, or past 48 hours) is left as it is,
// and the list goes on in new messages below it.
import type { Message } from 'grammy/types';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { FakeTelegram } from '../../doubles/fake-telegram/index.js';
import { padding, short, useLongQueueWorld } from './long-queue-world.js';
import { textOf } from './telegram-on-fake.js';

const JOBS = 100;
const { engine, bot, sentTo } = useLongQueueWorld('telegram-queue-parts-in-place', JOBS);
let fake: FakeTelegram;
beforeAll(() => ({ fake } = bot));

let jobs: string[] = [];
let owner = 0;
afterEach(async () => {
  for (const job of jobs)
    bot.services.jobs.queue.cancel(job, { platform: 'telegram', userId: String(owner) });
  engine.releaseAll();
  const active = () => bot.services.jobs.store.byStatus('queued', 'running').length;
  await expect.poll(active, { timeout: 10_000 }).toBe(0);
});

/** Queues JOBS jobs (the first held running) and asks for /queue: its messages, the first one first. */
async function longList(chat: 'private' | 'group') {
  const from = fake.world.users.alice;
  owner = from.id;
  const chatId = chat === 'private' ? from.id : fake.world.group.id;
  jobs = [];
  for (let n = 1; n <= JOBS; n++)
    jobs.push((await bot.statusOf(fake.injectText(`/imagine fox ${n} ${padding}`, { chat, from }))).jobId);
  const asked = fake.calls.length;
  fake.injectText('/queue', { chat, from });
  const last = short(jobs.at(-1) as string);
  await fake.waitForCall((c) => sentTo(chatId, asked)(c) && textOf(c).includes(last), 10_000);
  const ids = fake.callsTo(sentTo(chatId, asked)).map((c) => (c.result as Message).message_id);
  expect(ids.length).toBeGreaterThan(2);
  return { chatId, asked, ids, first: fake.message(chatId, ids[0] as number) as Message };
}

/** The bot's text messages in the chat sent since call `from` and not deleted, in order, as they read now. */
function shownSince(chatId: number, from: number): Array<{ id: number; text: string }> {
  return fake
    .callsTo(sentTo(chatId, from))
    .map((c) => (c.result as Message | undefined)?.message_id)
    .flatMap((id) => {
      const message = id === undefined ? undefined : fake.message(chatId, id);
      return message?.text === undefined ? [] : [{ id: message.message_id, text: message.text }];
    });
}

const timesNamed = (text: string, jobId: string) => text.split(short(jobId)).length - 1;

/**
 * The chat shows each of `listed` once in the list, and none of `gone`. The list's first line says what the press
 * did (it may name the cancelled job): not one of its lines.
 */
async function showsOnce(chatId: number, from: number, listed: string[], gone: string[]) {
  const text = () =>
    shownSince(chatId, from)
      .map((m) => m.text)
      .join('\n')
      .split('\n')
      .slice(1)
      .join('\n');
  const wrong = () => {
    const shown = text();
    return [
      ...listed
        .filter((job) => timesNamed(shown, job) !== 1)
        .map((job) => `${short(job)} ×${timesNamed(shown, job)}`),
      ...gone.filter((job) => timesNamed(shown, job) > 0).map((job) => `${short(job)} cancelled`),
    ];
  };
  await expect.poll(wrong, { timeout: 10_000 }).toEqual([]);
}

describe('Telegram: a long /queue list put in place edits its later parts', { timeout: 120_000 }, () => {
  it('in a private chat: Cancel n, Refresh and the stopped job each leave the list once, in its messages', async () => {
    const { chatId, asked, ids, first } = await longList('private');

    // Cancel 2 (waiting): the list is one line shorter, in the same messages.
    let pressed = fake.calls.length;
    fake.injectCallbackQuery(first, `queue_cancel:${jobs[1]}`);
    await showsOnce(chatId, asked, [jobs[0] as string, ...jobs.slice(2)], [jobs[1] as string]);
    expect(shownSince(chatId, asked).map((m) => m.id)).toEqual(ids);
    expect(fake.callsTo(sentTo(chatId, pressed))).toHaveLength(0);

    // Refresh with nothing changed: Telegram's "message is not modified" is as good as an edit, nothing is sent.
    pressed = fake.calls.length;
    fake.injectCallbackQuery(first, `queue_refresh:${jobs[0]}`);
    await fake.waitForCall(
      (c) => fake.calls.indexOf(c) >= pressed && c.method === 'answerCallbackQuery',
      10_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.callsTo(sentTo(chatId, pressed))).toHaveLength(0);
    await showsOnce(chatId, asked, [jobs[0] as string, ...jobs.slice(2)], [jobs[1] as string]);

    // Cancel 1, the running job: the list shows it stopping, then the list without it once it stopped.
    pressed = fake.calls.length;
    fake.injectCallbackQuery(first, `queue_cancel:${jobs[0]}`);
    // The answer names the job (its prompt is under 80 characters: not shortened).
    const named = { prompt: `fox 1 ${padding}`, id: short(jobs[0] as string) };
    await fake.waitForCall(
      (c) =>
        c.method === 'editMessageText' &&
        c.params.message_id === first.message_id &&
        textOf(c).startsWith(t('en', 'cancel.stopping_named', named)),
      10_000,
    );
    await engine.release();
    await fake.waitForCall(
      (c) =>
        c.method === 'editMessageText' &&
        c.params.message_id === first.message_id &&
        textOf(c).startsWith(t('en', 'cancel.done_named', named)),
      10_000,
    );
    await showsOnce(chatId, asked, jobs.slice(2), jobs.slice(0, 2));
    expect(fake.callsTo(sentTo(chatId, pressed))).toHaveLength(0);
    const kept = shownSince(chatId, asked).map((m) => m.id);
    expect(kept[0]).toBe(first.message_id);
    expect(ids).toEqual(expect.arrayContaining(kept));
  });

  it('in a private chat: a later part Telegram would not edit is left, the list goes on below it, and the part left says it is no longer used', async () => {
    const { chatId, ids, first } = await longList('private');
    const refused = ids[1] as number;
    // An edit refused once (a bot may edit its own messages at any age), and past 48 hours the part cannot be
    // deleted (in a group; the same here as far as the bot goes): it is edited to say it is no longer used.
    fake.ageMessage(chatId, refused);
    fake.failMethod((c) => c.method === 'editMessageText' && c.params.message_id === refused, {
      description: "Bad Request: message can't be edited",
    });
    const pressed = fake.calls.length;
    fake.injectCallbackQuery(first, `queue_cancel:${jobs[1]}`);
    // The first part and the parts sent anew are the new list, once (its first line says what the press did); the
    // earlier parts after the refused one, which would repeat its lines, are deleted.
    const listed = () =>
      [fake.message(chatId, first.message_id)?.text ?? '', ...shownSince(chatId, pressed).map((m) => m.text)]
        .join('\n')
        .split('\n')
        .slice(1)
        .join('\n');
    const remaining = [jobs[0] as string, ...jobs.slice(2)];
    const wrong = () => [
      ...remaining.filter((job) => timesNamed(listed(), job) !== 1).map(short),
      ...(timesNamed(listed(), jobs[1] as string) > 0 ? ['cancelled'] : []),
    ];
    await expect.poll(wrong, { timeout: 10_000 }).toEqual([]);
    await expect.poll(() => fake.message(chatId, refused)?.text).toBe(t('en', 'queue.part_unused'));
    for (const id of ids.slice(2)) expect(fake.message(chatId, id)).toBeUndefined();
  });

  it('in a group: the later parts there are edited, and nothing new is sent', async () => {
    const { chatId, asked, ids, first } = await longList('group');
    const pressed = fake.calls.length;
    fake.injectCallbackQuery(first, `queue_cancel:${jobs[1]}`);
    await showsOnce(chatId, asked, [jobs[0] as string, ...jobs.slice(2)], [jobs[1] as string]);
    expect(fake.callsTo(sentTo(chatId, pressed))).toHaveLength(0);
    expect(shownSince(chatId, asked).map((m) => m.id)).toEqual(ids);
  });
});
