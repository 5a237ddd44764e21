// An answer longer than one Telegram message (4096 characters) goes on in further messages, split between its
// lines, instead of losing its end: a /queue lists up to 20 undelivered answers, each whole, and
// counts those it lists as delivered once the message holding them was sent. Every part stays in the request's
// topic and answers the request; a part Telegram refuses does not keep the others back, and its answers stay
// undelivered, listed again at the next /queue.
import type { Chat, Message } from 'grammy/types';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { Job } from '../../../src/jobs/index.js';
import type { FakeTelegram, TelegramCall } from '../../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { textOf, useTelegramOnFake } from './telegram-on-fake.js';

const FORUM: Chat.SupergroupChat = { id: -100700800, type: 'supergroup', title: 'Forum', is_forum: true };
const TOPIC = 23;

const bot = useTelegramOnFake('telegram-long-answers', new TimedEngineDouble(5, 3));
let fake: FakeTelegram;
beforeAll(() => ({ fake } = bot));

let template: Job | undefined;
/** A finished job of Alice's, to copy as the answers that never reached her. */
async function finishedJob(): Promise<Job> {
  if (template) return template;
  const request = fake.injectText('/imagine a template fox --steps 3');
  const { jobId } = await bot.statusOf(request);
  await bot.ended(jobId);
  template = bot.services.jobs.store.get(jobId) as Job;
  return template;
}

const alice = () => ({ platform: 'telegram' as const, userId: String(fake.world.users.alice.id) });

/** Finished describe answers (twenty: the most /queue lists) of 480 characters, none of which reached Alice. */
async function lostAnswers(tag: string, count = 20): Promise<Map<string, string>> {
  const { store } = bot.services.jobs;
  const done = await finishedJob();
  const answers = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const text =
      `${tag} answer ${String(i).padStart(2, '0')}: ${'a grey cat on a red sofa, '.repeat(18)}`.slice(0, 480);
    const job: Job = { ...done, id: store.newId(), seq: store.nextSeq(), status: 'done', result: { text } };
    store.insert(job);
    store.deliveries.markUndelivered(job.id);
    answers.set(job.id, text);
  }
  return answers;
}

const answering = (request: Message) => (c: TelegramCall) =>
  c.method === 'sendMessage' &&
  String(c.params.chat_id) === String(request.chat.id) &&
  c.params.reply_parameters?.message_id === request.message_id;

const stillUndelivered = () => bot.services.jobs.store.deliveries.undeliveredOf(alice()).map((job) => job.id);

// Each test starts with nothing of Alice's undelivered: what one left is not listed in the next.
beforeEach(() => {
  for (const id of stillUndelivered()) bot.services.jobs.store.deliveries.clear(id);
});

/** Asks for /queue in the forum topic: the bot's messages answering it, each as its status or `told` (errors.generic). */
function askQueue(): () => Array<number | 'told'> {
  const request = fake.injectText('/queue', { chat: FORUM, from: fake.world.users.alice, thread: TOPIC });
  return () =>
    fake
      .callsTo(answering(request))
      .map((c) => (c.status === 200 && textOf(c) === t('en', 'errors.generic') ? 'told' : c.status));
}

const answerIn = (answer: string) => (c: TelegramCall) =>
  c.method === 'sendMessage' && c.status === 200 && textOf(c).includes(answer);

describe('Telegram: answers longer than a message', { timeout: 60_000 }, () => {
  it('a /queue of twenty lost answers arrives whole, in messages of at most 4096 characters', async () => {
    const answers = await lostAnswers('first');
    expect(stillUndelivered().sort()).toEqual([...answers.keys()].sort());
    const request = fake.injectText('/queue', { chat: FORUM, from: fake.world.users.alice, thread: TOPIC });
    const sent = () => fake.callsTo(answering(request)).filter((c) => c.status === 200);
    const line = (id: string) =>
      t('en', 'queue.undelivered', {
        id: id.slice(0, 8),
        status: t('en', 'queue.undelivered_answer', { text: answers.get(id) as string }),
      });
    const arrived = (id: string) => sent().some((c) => textOf(c).split('\n').includes(line(id)));
    await expect.poll(() => [...answers.keys()].filter(arrived).length, { timeout: 10_000 }).toBe(20);

    const parts = sent();
    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts) {
      expect(textOf(part).length).toBeLessThanOrEqual(4096);
      // Each in the request's topic, answering the request.
      expect(part.params.message_thread_id).toBe(TOPIC);
    }
    // Split between whole lines, in order, none cut: the summary first, then every answer.
    const text = parts.map(textOf).join('\n');
    expect(text.startsWith(t('en', 'queue.summary', { queued: 0, running: 0 }))).toBe(true);
    expect(text).not.toContain('…');
    // Listed, the answers are delivered: each one the store no longer holds did arrive, and they all did.
    const delivered = [...answers.keys()].filter((id) => !stillUndelivered().includes(id));
    expect(delivered.filter((id) => !arrived(id))).toEqual([]);
    expect(delivered).toHaveLength(20);
    // Its keyboard (none here) and the reply go with the first part; the others carry lines alone.
    for (const part of parts.slice(1)) expect(part.params.reply_markup).toBeUndefined();
  });

  it('a part Telegram refuses does not keep the later ones back; only its answers stay undelivered', async () => {
    const answers = await lostAnswers('second');
    const [refusedId] = [...answers.keys()].slice(8, 9);
    const refusedText = answers.get(refusedId as string) as string;
    fake.failMethod((c) => c.method === 'sendMessage' && textOf(c).includes(refusedText));
    const request = fake.injectText('/queue', { chat: FORUM, from: fake.world.users.alice, thread: TOPIC });
    const sent = () => fake.callsTo(answering(request));
    // The newest answer is listed first, the oldest last: it comes after the refused part.
    const oldest = [...answers.values()][0] as string;
    await expect
      .poll(() => sent().some((c) => c.status === 200 && textOf(c).includes(oldest)), { timeout: 10_000 })
      .toBe(true);
    // Then the user is told that something went wrong, as for any reply of theirs Telegram refused.
    await expect
      .poll(() => textOf(sent().at(-1) as TelegramCall), { timeout: 5000 })
      .toBe(t('en', 'errors.generic'));
    const refused = sent().filter((c) => c.status !== 200);
    expect(refused).toHaveLength(1);
    expect(sent().findIndex((c) => c.status !== 200)).toBeGreaterThan(0);
    // Every answer outside the refused part arrived.
    const delivered = sent().filter((c) => c.status === 200);
    const inRefused = (answer: string) => textOf(refused[0] as TelegramCall).includes(answer);
    for (const answer of answers.values())
      expect(delivered.some((c) => textOf(c).includes(answer))).toBe(!inRefused(answer));
    // Those that arrived are delivered; those of the refused part are not, and the next /queue lists them again.
    const lost = [...answers.keys()].filter((id) => inRefused(answers.get(id) as string));
    expect(lost.length).toBeGreaterThan(0);
    expect(lost.length).toBeLessThan(answers.size);
    expect(stillUndelivered().sort()).toEqual([...lost].sort());
    const before = fake.calls.length;
    const again = askQueue();
    await expect.poll(again, { timeout: 10_000 }).toEqual([200]);
    for (const id of lost)
      expect(fake.calls.slice(before).some(answerIn(answers.get(id) as string))).toBe(true);
    await expect.poll(stillUndelivered, { timeout: 5000 }).toEqual([]);
  });

  it('a /queue Telegram refuses delivers nothing: its answers are listed again, and delivered once sent', async () => {
    const answers = await lostAnswers('third', 3);
    const [one] = [...answers.values()];
    fake.failMethod((c) => c.method === 'sendMessage' && textOf(c).includes(one as string));
    await expect.poll(askQueue(), { timeout: 10_000 }).toEqual([400, 'told']);
    expect(stillUndelivered().sort()).toEqual([...answers.keys()].sort());
    // The next one is sent: every answer arrives in it, and is delivered.
    const before = fake.calls.length;
    await expect.poll(askQueue(), { timeout: 10_000 }).toEqual([200]);
    for (const answer of answers.values()) expect(fake.calls.slice(before).some(answerIn(answer))).toBe(true);
    await expect.poll(stillUndelivered, { timeout: 5000 }).toEqual([]);
  });
});
