// The bot's questions (Edit, Remix… asked as a message to reply to) across a restart, with the real grammY client
// against the fake Bot API on the engine double: the adapter and the services stop, the fake keeps its chats, and a
// new run opens the same DATA_DIR. The answer to a question asked before the restart is answered as before it; a
// reply to one of the bot's questions it no longer keeps gets one line saying the question expired, never silence.
import type { Message, User } from 'grammy/types';
import { beforeEach, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { Services } from '../../../src/services.js';
import type { FakeTelegram } from '../../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { askedOn, newUsers, repliesTo, textOf, useRestartingTelegram } from './telegram-on-fake.js';

const engine = new TimedEngineDouble(20, 4);
const telegram = useRestartingTelegram('telegram-questions');
const { restart } = telegram;
let fake: FakeTelegram;

beforeEach(async () => {
  fake = telegram.fake;
  await telegram.start(engine);
}, 60_000);

const newUser = newUsers(7500);
const jobsOf = (services: Services, from: User) =>
  services.jobs.store.recentOf({ platform: 'telegram', userId: String(from.id) }, 50);

/** A finished result of `from`'s, and the question its `button` asked (the bot's message to reply to). */
async function asked(
  from: User,
  button: string,
  label: string,
): Promise<{ jobId: string; question: Message }> {
  const { jobId, question, ask } = await askedOn(fake, from, button, label);
  expect(ask.params.reply_markup).toMatchObject({ force_reply: true });
  return { jobId, question };
}

describe('Telegram questions across a restart', { timeout: 60_000 }, () => {
  it('the answer to an Edit question asked before a restart edits that result after it', async () => {
    const from = newUser();
    const { question } = await asked(from, 'edit', t('en', 'ask.edit.label'));
    const { services } = await restart();
    fake.injectText('make it night --steps 2', { from, replyTo: question });
    await expect.poll(() => jobsOf(services, from).length, { timeout: 15_000, interval: 50 }).toBe(2);
    expect(jobsOf(services, from)[0]?.request).toMatchObject({
      task: 'image_to_image',
      prompt: 'make it night',
    });
  });

  it('so is a Remix answer: the changed line is the new /imagine', async () => {
    const from = newUser();
    const { question } = await asked(from, 'remix', t('en', 'ask.remix.label'));
    const { services } = await restart();
    fake.injectText('a lighthouse at dawn --steps 3', { from, replyTo: question });
    await expect.poll(() => jobsOf(services, from).length, { timeout: 15_000, interval: 50 }).toBe(2);
    expect(jobsOf(services, from)[0]?.request).toMatchObject({
      task: 'text_to_image',
      prompt: 'a lighthouse at dawn',
      steps: 3,
    });
  });

  it('a reply to a question no longer kept gets one line: it expired, press the button again', async () => {
    const from = newUser();
    const { question } = await asked(from, 'edit', t('en', 'ask.edit.label'));
    const { services } = await restart();
    // A thousand questions asked since (in other chats): the oldest is forgotten, as the bot keeps the latest.
    for (let i = 0; i < 1000; i += 1)
      services.jobs.store.questions.remember(
        `telegram:-1:${i}`,
        { kind: 'edit_instruction', jobId: 'x', userId: '1' },
        1000,
      );
    const reply = fake.injectText('make it night', { from, replyTo: question });
    const expired = await fake.waitForCall((c) => c.method === 'sendMessage' && repliesTo(reply)(c), 15_000);
    expect(textOf(expired)).toBe(t('en', 'ask.expired'));
    // Once: the chat's next message is answered, and nothing else was said to the reply, nor any job made.
    const marker = fake.injectText('/help', { from });
    await fake.waitForCall((c) => c.method === 'sendMessage' && repliesTo(marker)(c), 15_000);
    expect(fake.callsTo((c) => c.method.startsWith('send') && repliesTo(reply)(c))).toHaveLength(1);
    expect(jobsOf(services, from)).toHaveLength(1);
  });

  it('in the asker’s language', async () => {
    const from = { ...newUser(), language_code: 'de' };
    const { question } = await asked(from, 'edit', t('de', 'ask.edit.label'));
    const { services } = await restart();
    // A store that keeps none: the question is lost, as one asked before questions were kept.
    services.jobs.store.questions.remember(
      'telegram:-1:0',
      { kind: 'edit_instruction', jobId: 'x', userId: '1' },
      0,
    );
    const reply = fake.injectText('mach es nachts', { from, replyTo: question });
    const expired = await fake.waitForCall((c) => c.method === 'sendMessage' && repliesTo(reply)(c), 15_000);
    expect(textOf(expired)).toBe(t('de', 'ask.expired'));
  });
});
