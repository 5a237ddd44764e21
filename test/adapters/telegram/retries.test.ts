// The bot's auto-retry split (retries.ts): a 5xx answer to a send is handed back at once (Telegram may have delivered
// it: sent again, the user would see it twice); an edit, a deletion or a read is tried again after one; a 429 is
// waited out for every method. Below it, a recording double of Telegram's answers.
import type { Transformer } from 'grammy';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { retries } from '../../../adapters/telegram/retries.js';

type Answer = { ok: false; error_code: number; description: string; parameters?: { retry_after: number } };

/** Telegram as a list of answers, one per call (then `ok`), and the methods it was called with. */
function telegramDouble(answers: Answer[]) {
  const calls: string[] = [];
  const prev = (async (method: string) => {
    calls.push(method);
    return answers.shift() ?? { ok: true, result: true };
  }) as unknown as Parameters<Transformer>[0];
  return { calls, prev };
}

const badGateway: Answer = { ok: false, error_code: 502, description: 'Bad Gateway' };
const flood: Answer = {
  ok: false,
  error_code: 429,
  description: 'Too Many Requests: retry after 1',
  parameters: { retry_after: 1 },
};

async function call(method: string, answers: Answer[]) {
  const telegram = telegramDouble(answers);
  // The method name is what the split reads; grammY's types tie the payload to it, which a table of methods cannot.
  const run = retries(60)(telegram.prev, method as 'getMe', {} as never, undefined);
  await vi.runAllTimersAsync();
  return { answer: await run, calls: telegram.calls };
}

describe('telegram auto-retry split', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it.each([
    'sendMessage',
    'sendPhoto',
    'sendDocument',
    'sendMediaGroup',
    'copyMessage',
    'answerCallbackQuery',
  ])('a 5xx answer to %s is handed back after one call, not sent again', async (method) => {
    const { answer, calls } = await call(method, [badGateway, badGateway]);
    expect(calls).toEqual([method]);
    expect(answer).toMatchObject({ ok: false, error_code: 502 });
  });

  it.each(['editMessageText', 'editMessageMedia', 'deleteMessage', 'getFile', 'getUpdates'])(
    'a 5xx answer to %s is tried again',
    async (method) => {
      const { answer, calls } = await call(method, [badGateway]);
      expect(calls).toEqual([method, method]);
      expect(answer.ok).toBe(true);
    },
  );

  it('a 5xx is tried at most three times more', async () => {
    const { answer, calls } = await call('editMessageText', Array(10).fill(badGateway));
    expect(calls.length).toBe(4);
    expect(answer.ok).toBe(false);
  });

  it('a 429 is waited out for a send as well', async () => {
    const { answer, calls } = await call('sendPhoto', [flood]);
    expect(calls).toEqual(['sendPhoto', 'sendPhoto']);
    expect(answer.ok).toBe(true);
  });
});
