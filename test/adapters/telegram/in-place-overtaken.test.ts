// A /queue list's edit in place overtaken by a later edit while its request is with Telegram
// (adapters/telegram/source-replacement.ts): it is let finish, the later edit waiting for its answer. When that answer
// is a refusal Telegram asks to wait out (a 429's retry_after), the overtaken edit ends there: it is never tried
// again, so it does not wait (grammY's auto-retry would sleep through retry_after for a try that is never made).
// The API is wrapped as bot.ts wraps it, over a stand-in for Telegram whose first edit is answered when the test says.
import { Api, Context, type Transformer } from 'grammy';
import type { Update } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import type { PressDeps } from '../../../adapters/telegram/button-presses.js';
import { inPlaceTries } from '../../../adapters/telegram/in-place-turns.js';
import { LaterParts } from '../../../adapters/telegram/list-parts.js';
import { retries } from '../../../adapters/telegram/retries.js';
import { replaceSource } from '../../../adapters/telegram/source-replacement.js';
import type { CommandContext, Reply } from '../../../commands/index.js';
import { botInfo } from './bot-info.js';

const CHAT = { id: 7, type: 'private' as const, first_name: 'A' };
const FROM = { id: 7, is_bot: false, first_name: 'A' };
/** Seconds the first edit's 429 asks to wait: far longer than the test waits. */
const RETRY_AFTER = 30;

function press(id: number): Update {
  const message = { message_id: 50, date: 0, chat: CHAT, from: botInfo(), text: 'Queue: 2' };
  return {
    update_id: id,
    callback_query: { id: `q${id}`, chat_instance: 'c', from: FROM, message, data: 'x' },
  };
}

type Answer = { ok: true; result: unknown } | { ok: false; error_code: number; description: string };

/** Telegram as a double: the first edit waits for `answerFirst`; later edits and the rest are answered ok at once. */
function telegram() {
  const edits: string[] = [];
  const answered: string[] = [];
  let answerFirst: (answer: Answer) => void = () => {};
  const first = new Promise<Answer>((resolve) => {
    answerFirst = resolve;
  });
  const transformer: Transformer = async (_prev, method, payload) => {
    const params = payload as Record<string, unknown>;
    if (method === 'answerCallbackQuery') answered.push(String(params.callback_query_id));
    if (method !== 'editMessageText') return { ok: true, result: true } as never;
    edits.push(String(params.text));
    if (edits.length === 1) return (await first) as never;
    return { ok: true, result: { message_id: 50, date: 0, chat: CHAT, text: params.text } } as never;
  };
  return { transformer, edits, answered, answerFirst: (answer: Answer) => answerFirst(answer) };
}

const list = (words: string): Reply => ({
  text: [{ key: 'cancel.done', params: { words } }],
  replaceSource: true,
});

describe('an in-place edit overtaken while with Telegram', () => {
  it('ends at its 429 at once instead of waiting out retry_after; the later edit goes as soon as it is answered', async () => {
    const tg = telegram();
    const api = new Api('1:test');
    api.config.use(tg.transformer, inPlaceTries, retries(60));
    const deps = {
      commands: { delivered: () => {} },
      replies: { send: async () => {}, laterParts: new LaterParts() },
      log: { warn: () => {} },
    } as unknown as PressDeps;
    const c = { locale: 'en' } as CommandContext;
    const me = botInfo();

    let olderDone = false;
    const older = replaceSource(deps, new Context(press(1), api, me), c, list('older')).finally(() => {
      olderDone = true;
    });
    await expect.poll(() => tg.edits.length).toBe(1);
    const newer = replaceSource(deps, new Context(press(2), api, me), c, list('newer'));
    // The newer edit waits while the older one is with Telegram: it might otherwise land over it.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(tg.edits).toHaveLength(1);

    tg.answerFirst({
      ok: false,
      error_code: 429,
      description: `Too Many Requests: retry after ${RETRY_AFTER}`,
      parameters: { retry_after: RETRY_AFTER },
    } as Answer);
    await newer;
    expect(tg.edits).toHaveLength(2);
    // Overtaken, the older edit is not tried again: it ends now, its press answered, not after retry_after.
    await expect.poll(() => olderDone, { timeout: 2000 }).toBe(true);
    await older;
    expect(tg.edits).toHaveLength(2);
    expect(tg.answered.sort()).toEqual(['q1', 'q2']);
  });
});
