// tellPresser's fallback (button-answers.ts): an alert Telegram surely refused (a query already answered, or too old)
// goes as a message in the chat instead; one that may have been shown (a 5xx, a broken connection) does not, or a
// group would read in the chat what the presser was just shown on their screen.
import { type Context, GrammyError, HttpError } from 'grammy';
import { describe, expect, it } from 'vitest';
import { tellPresser } from '../../../adapters/telegram/button-answers.js';

/** A callback query's context whose alert fails with `error`, recording the messages sent instead. */
function pressDouble(error: Error) {
  const sent: string[] = [];
  const ctx = {
    chat: { id: -100, type: 'supergroup' },
    callbackQuery: { message: { message_id: 7 } },
    answerCallbackQuery: async () => {
      throw error;
    },
    reply: async (text: string) => {
      sent.push(text);
      return { message_id: 8 };
    },
  };
  // Only what tellPresser reads: a full grammY Context carries a whole update and API.
  return { ctx: ctx as unknown as Context, sent };
}

const apiError = (error_code: number, description: string) =>
  new GrammyError(description, { ok: false, error_code, description }, 'answerCallbackQuery', {});

describe('tellPresser', () => {
  it('says it in the chat when the query was refused', async () => {
    const { ctx, sent } = pressDouble(apiError(400, 'Bad Request: query is too old'));
    expect(await tellPresser(ctx, 'Only the owner can do that.')).toBe('Only the owner can do that.');
    expect(sent).toEqual(['Only the owner can do that.']);
  });

  it.each([
    ['a 5xx', apiError(502, 'Bad Gateway')],
    ['a broken connection', new HttpError('Network request failed', new Error('ECONNRESET'))],
  ])('does not say it again after %s (the alert may have been shown)', async (_, error) => {
    const { ctx, sent } = pressDouble(error);
    expect(await tellPresser(ctx, 'Only the owner can do that.')).toBe('Only the owner can do that.');
    expect(sent).toEqual([]);
  });
});
