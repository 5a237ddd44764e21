// Delete removes a result whole. A long answer ends in its status message (its first lines, and the Delete button)
// and goes on in messages answering it; when the status message refuses the ending, the ending is a new message (its
// own rest after it) and the status message shows its first lines again. Delete on any of them removes every message
// the ending was shown in, never the user's request; a message Telegram will not delete (past 48 hours) is passed over
// quietly, the others deleted all the same.
import type { Message } from 'grammy/types';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FakeTelegram, TelegramCall } from '../../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { solidPng } from '../e2e-services.js';
import { textOf, useTelegramOnFake } from './telegram-on-fake.js';

const engine = new TimedEngineDouble(5, 3);
const bot = useTelegramOnFake('telegram-delete-result', engine);
let fake: FakeTelegram;
beforeAll(() => {
  fake = bot.fake;
  // Some 10,000 characters: three messages of at most 4096.
  engine.answer = Array.from({ length: 400 }, (_, i) => `word${String(i).padStart(3, '0')} of a long answer`)
    .join(' ')
    .slice(0, 10_000);
});

const sentId = (call: TelegramCall) => (call.result as Message).message_id;
const answering = (chatId: number, messageId: number) => (c: TelegramCall) =>
  c.method === 'sendMessage' &&
  c.status === 200 &&
  c.params.chat_id === chatId &&
  c.params.reply_parameters?.message_id === messageId;

/** A /describe of a photo in Alice's private chat: the request, its job and status message. */
async function describeJob() {
  const request = fake.injectPhoto(fake.registerFile(await solidPng('#3a6')), { caption: '/describe' });
  const status = await bot.statusOf(request);
  return { request, chatId: request.chat.id, ...status };
}

const left = (chatId: number, ids: readonly number[]) =>
  ids.filter((id) => fake.message(chatId, id) !== undefined);

describe('Telegram: Delete removes the whole result', { timeout: 60_000 }, () => {
  it('a long answer: Delete on its status message removes every message it goes on in', async () => {
    const { request, chatId, jobId, messageId } = await describeJob();
    await bot.ended(jobId);
    expect(bot.deliveries.get(jobId)).toBe('edited');
    const rest = fake.callsTo(answering(chatId, messageId)).map(sentId);
    expect(rest.length).toBeGreaterThanOrEqual(2);
    const status = fake.message(chatId, messageId) as Message;
    expect(JSON.stringify(status.reply_markup)).toContain(`delete:${jobId}`);
    expect(left(chatId, rest)).toEqual(rest);

    fake.injectCallbackQuery(status, `delete:${jobId}`);
    await expect.poll(() => left(chatId, [messageId, ...rest]), { timeout: 5000 }).toEqual([]);
    expect(fake.message(chatId, request.message_id)).toBeDefined();
  });

  it('an ending the status message refused: Delete on the new message removes it, its rest and the status', async () => {
    const { request, chatId, jobId, messageId } = await describeJob();
    const answer = engine.answer.slice(0, 40);
    fake.failMethod((c) => c.method === 'editMessageText' && textOf(c).includes(answer), {
      description: 'Bad Request: an injected refusal',
    });
    await bot.ended(jobId);
    expect(bot.deliveries.get(jobId)).toBe('replied');
    const ending = fake.calls.find(
      (c) => c.method === 'sendMessage' && c.status === 200 && textOf(c).includes(answer),
    ) as TelegramCall;
    const first = sentId(ending);
    // Its rest answers the request too, after it.
    const rest = fake
      .callsTo(answering(chatId, request.message_id))
      .map(sentId)
      .filter((id) => id > first);
    expect(rest.length).toBeGreaterThanOrEqual(2);
    // The status message was given the first lines again (no live Cancel button).
    await expect.poll(() => fake.message(chatId, messageId)?.text, { timeout: 5000 }).toContain(answer);

    fake.injectCallbackQuery(fake.message(chatId, first) as Message, `delete:${jobId}`);
    await expect.poll(() => left(chatId, [messageId, first, ...rest]), { timeout: 5000 }).toEqual([]);
  });

  it('a message Telegram will not delete is passed over quietly; the others go', async () => {
    const { chatId, jobId, messageId } = await describeJob();
    await bot.ended(jobId);
    const rest = fake.callsTo(answering(chatId, messageId)).map(sentId);
    // Past 48 hours Telegram refuses a bot's delete, of the pressed message as of any other, and a deleteMessages
    // naming it.
    fake.ageMessage(chatId, messageId);
    const before = fake.calls.length;
    fake.injectCallbackQuery(fake.message(chatId, messageId) as Message, `delete:${jobId}`);
    await expect.poll(() => left(chatId, rest), { timeout: 5000 }).toEqual([]);
    expect(fake.message(chatId, messageId)).toBeDefined();
    // Nothing is said about it: no message, no alert.
    const said = fake.calls
      .slice(before)
      .filter((c) => c.method === 'sendMessage' || (c.method === 'answerCallbackQuery' && c.params.text));
    expect(said).toEqual([]);
  });
});
