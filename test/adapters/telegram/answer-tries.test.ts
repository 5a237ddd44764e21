// An update's answer mark follows the tries of its messages (adapters/telegram/answers-begun.ts, answer-marks.ts):
// each try marks its updates as it leaves, wrapped inside grammY's auto-retry as in bot.ts, so a try Telegram refuses
// (a 429, a 400) takes the mark back while nothing else holds it: a crash during a 429's wait hands the update to the
// next start. A try that may have posted (answered ok, a 5xx, no answer at all) keeps it for good. Once the inbox
// closed, a try that would begin an answer the next start gives again is held back. What a crash would leave is read
// from a copy of the database taken at that moment, as the next start would find it.
import { autoRetry } from '@grammyjs/auto-retry';
import Database from 'better-sqlite3';
import { Api, Context, type Transformer } from 'grammy';
import type { Update } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { AnswerHeldBack, AnswersBegun } from '../../../adapters/telegram/answers-begun.js';
import { TelegramInbox } from '../../../adapters/telegram/inbox.js';
import { UpdateInbox } from '../../../src/jobs/index.js';
import { createLogger } from '../../../src/log.js';
import { botInfo } from './bot-info.js';

const log = createLogger({ level: 'silent', pretty: false });

function update(id: number, text = '/help'): Update {
  const chat = { id: 7, type: 'private' as const, first_name: 'A' };
  return {
    update_id: id,
    message: { message_id: id, date: 0, chat, from: { id: 7, is_bot: false, first_name: 'A' }, text },
  };
}

type Answer = 'ok' | 'no answer' | number;

/**
 * The network as a double: each call takes the next scripted answer (`ok` once the script is used up): ok, a
 * connection that died unanswered, or Telegram's refusal with that code (429: retry after 1 s). `seen` runs as each
 * call arrives.
 */
function network(script: Answer[], seen: (method: string) => void = () => {}): Transformer {
  return async (_prev, method) => {
    seen(method);
    const answer = script.shift() ?? 'ok';
    if (answer === 'no answer') throw new Error('socket hang up');
    if (answer === 'ok') return { ok: true, result: { message_id: 99, date: 0, chat: { id: 7 } } } as never;
    const parameters = answer === 429 ? { retry_after: 1 } : undefined;
    return { ok: false, error_code: answer, description: `refused ${answer}`, parameters } as never;
  };
}

/** One run of the bot's inbox over a database, its API wrapped as bot.ts wraps it. */
function setUp(script: Answer[] = [], seen?: (method: string) => void) {
  const db = new Database(':memory:');
  const inbox = new TelegramInbox(new UpdateInbox(db), log, () => 0);
  const answers = new AnswersBegun(inbox);
  const api = new Api('1:test');
  api.config.use(
    network(script, seen),
    answers.transformer,
    autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 60, rethrowHttpErrors: true }),
  );
  const me = botInfo();
  /** Handles `id` (kept first) with `work` as its handling; resolves when the handling ended. */
  const handle = (id: number, work: () => Promise<unknown>) => {
    inbox.received([update(id)]);
    const ctx = new Context(update(id), api, me);
    return inbox.handle(ctx, () => answers.during([id], async () => void (await work())), true);
  };
  /** What the next start would do after a crash now: the updates it handles again, and those it drops. */
  const afterCrash = () => {
    const next = new TelegramInbox(new UpdateInbox(new Database(db.serialize())), log, () => 0);
    const { replay, answered } = next.leftovers();
    return { replay: replay.map((u) => u.update_id), answered };
  };
  return { inbox, api, handle, afterCrash };
}

/** A gate a handling waits at until the test opens it. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open = () => {};
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('answer marks per try', () => {
  it('a crash while a 429 is waited out hands the update to the next start; one after the try that posted does not', async () => {
    const seenAt: Array<ReturnType<typeof world.afterCrash>> = [];
    const world = setUp([429], () => seenAt.push(world.afterCrash()));
    let answered = false;
    const handled = world.handle(1, async () => {
      await world.api.sendMessage(7, 'help');
      answered = true;
    });
    await expect.poll(() => seenAt.length).toBe(1);
    await tick();
    // Refused with a 429, auto-retry waits a second: nothing left for Telegram.
    expect(world.afterCrash()).toEqual({ replay: [1], answered: [] });
    await expect.poll(() => answered, { timeout: 3000, interval: 20 }).toBe(true);
    // Each try was marked as it left: the one Telegram refused, and the one it took after the wait.
    expect(seenAt).toEqual([
      { replay: [], answered: [1] },
      { replay: [], answered: [1] },
    ]);
    await handled;
  });

  it('a try that may have posted keeps the mark for good: answered ok, a 5xx, no answer at all', async () => {
    for (const first of ['ok', 502, 'no answer'] as const) {
      const world = setUp([first, 400]);
      const ended = gate();
      const handled = world.handle(1, async () => {
        await world.api.sendMessage(7, 'one').catch(() => undefined);
        // A later message refused changes nothing: the first may be in the chat.
        await world.api.sendMessage(7, 'two').catch(() => undefined);
        await ended.wait;
      });
      await tick();
      expect(world.afterCrash(), String(first)).toEqual({ replay: [], answered: [1] });
      ended.open();
      await handled;
    }
  });

  it('a refused try takes the mark back only once no other try of its update is in flight', async () => {
    const world = setUp();
    const slow = gate();
    const release = gate();
    // The first try is held in flight; the second is refused meanwhile.
    const api = new Api('1:test');
    const answers = new AnswersBegun(world.inbox);
    const script: Answer[] = [];
    api.config.use(async (prev, method, payload, signal) => {
      if (payload && (payload as { text?: string }).text === 'slow') {
        slow.open();
        await release.wait;
        return { ok: false, error_code: 400, description: 'refused' } as never;
      }
      return network(script)(prev, method, payload, signal);
    }, answers.transformer);
    script.push(403);
    world.inbox.received([update(1)]);
    const ctx = new Context(update(1), api, botInfo());
    const handled = world.inbox.handle(
      ctx,
      () =>
        answers.during([1], async () => {
          const first = api.sendMessage(7, 'slow').catch(() => undefined);
          await slow.wait;
          await api.sendMessage(7, 'quick').catch(() => undefined);
          expect(world.afterCrash()).toEqual({ replay: [], answered: [1] });
          release.open();
          await first;
          expect(world.afterCrash()).toEqual({ replay: [1], answered: [] });
        }),
      true,
    );
    await handled;
  });

  it('once the inbox closed, a try that would begin an answer the next start gives again is held back', async () => {
    const calls: string[] = [];
    const world = setUp([], (method) => calls.push(method));
    const stop = gate();
    const results: Record<string, string> = {};
    const attempt = (name: string, send: () => Promise<unknown>) =>
      send().then(
        () => {
          results[name] = 'sent';
        },
        (error: unknown) => {
          results[name] = error instanceof AnswerHeldBack ? 'held back' : String(error);
        },
      );
    const handled = [
      // Kept, not yet answered: the next start handles it again.
      world.handle(1, async () => {
        await stop.wait;
        await attempt('unanswered', () => world.api.sendMessage(7, 'help'));
      }),
      // Its answer began before the close: the next start drops it, the rest of its answer goes.
      world.handle(2, async () => {
        await world.api.sendMessage(7, 'first');
        await stop.wait;
        await attempt('answer begun', () => world.api.sendMessage(7, 'second'));
      }),
    ];
    await expect.poll(() => calls.length).toBe(1);
    world.inbox.close();
    stop.open();
    await Promise.all(handled);
    expect(results).toEqual({ unanswered: 'held back', 'answer begun': 'sent' });
    expect(calls).toEqual(['sendMessage', 'sendMessage']);
    expect(world.afterCrash()).toEqual({ replay: [1], answered: [2] });
  });
});
