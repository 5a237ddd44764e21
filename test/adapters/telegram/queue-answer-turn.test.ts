// A /queue answer longer than one Telegram message sends its later parts in the list's turn (replies.ts `sendLater`,
// in-place-turns.ts): a Refresh pressed on its first message while they are still going out (an answer outside its
// chat's order, as an album's caption is) waits for them and edits them into its own list, and the answer stops
// sending. Without the turn the Refresh found no parts kept, sent its own, and the answer then kept its parts as the
// list's: both stayed shown, every job named twice, the Refresh's parts never edited again.
import { Api, Context, type Transformer } from 'grammy';
import type { Update } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import type { PressDeps } from '../../../adapters/telegram/button-presses.js';
import { inPlaceTries } from '../../../adapters/telegram/in-place-turns.js';
import type { TelegramJobMessages } from '../../../adapters/telegram/job-messages.js';
import { TelegramReplies } from '../../../adapters/telegram/replies.js';
import { retries } from '../../../adapters/telegram/retries.js';
import { replaceSource } from '../../../adapters/telegram/source-replacement.js';
import type { CommandContext, Reply } from '../../../commands/index.js';
import { botInfo } from './bot-info.js';
import { type HeldAnswer, HeldRequests, type Hold } from './held-requests.js';

const CHAT = { id: 7, type: 'private' as const, first_name: 'A' };
const GROUP = { id: -100, type: 'group' as const, title: 'G' };
type Chat = typeof CHAT | typeof GROUP;
const FROM = { id: 7, is_bot: false, first_name: 'A' };
const REFRESH = {
  id: `queue_refresh:${'0'.repeat(8)}-0000-4000-8000-000000000001`,
  labelKey: 'button.refresh',
  style: 'secondary' as const,
};

/**
 * A chat as Telegram keeps it (a private one unless told): each message's text by id (new ones from 200); matching
 * requests wait; an edit `refusing` matches is refused as one of a message Telegram will not edit.
 */
class PrivateChatDouble {
  readonly messages = new Map<number, string>();
  readonly sent: string[] = [];
  refusing: (method: string, p: Record<string, unknown>) => boolean = () => false;
  private next = 200;

  constructor(private readonly chat: Chat = CHAT) {}

  private readonly held = new HeldRequests();

  hold(match: (method: string, p: Record<string, unknown>) => boolean): Hold {
    return this.held.hold(match);
  }

  /** Holds the next `method` request whose text starts with `prefix` (a part of a list, as `A-3`). */
  holdText(method: 'sendMessage' | 'editMessageText', prefix: string): Hold {
    return this.hold((m, p) => m === method && String(p.text).startsWith(prefix));
  }

  readonly transformer: Transformer = async (_prev, method, payload) => {
    const p = payload as Record<string, unknown>;
    const held = this.held.take(method, p);
    if (held) {
      const answer = await held;
      if (answer) return answer as never;
    }
    const text = String(p.text ?? '').replace(/\.+$/, '');
    const id = Number(p.message_id);
    const chat = this.chat;
    if (method === 'sendMessage') {
      const messageId = this.next++;
      this.messages.set(messageId, text);
      this.sent.push(text);
      return { ok: true, result: { message_id: messageId, date: 0, chat, text } } as never;
    }
    if (method === 'editMessageText') {
      if (this.refusing(method, p))
        return { ok: false, error_code: 400, description: "Bad Request: message can't be edited" } as never;
      if (!this.messages.has(id))
        return { ok: false, error_code: 400, description: 'Bad Request: message to edit not found' } as never;
      this.messages.set(id, text);
      return { ok: true, result: { message_id: id, date: 0, chat, text } } as never;
    }
    if (method === 'deleteMessages') for (const gone of p.message_ids as number[]) this.messages.delete(gone);
    return { ok: true, result: true } as never;
  };

  /** Each message's text, in the order the chat shows them. */
  shown(): string[] {
    return [...this.messages.entries()].sort(([a], [b]) => a - b).map(([, text]) => text);
  }
}

const moment = () => new Promise((resolve) => setTimeout(resolve, 50));

/** A /queue list named `name` with Refresh: one line a message, `later` of them after its first. */
function list(name: string, later: number, extra: Partial<Reply> = {}): Reply {
  const lines = Array.from({ length: later + 1 }, (_, n) => `${name}-${n + 1}`.padEnd(3000, '.'));
  return {
    text: lines.map((text) => ({ key: 'reply.piece', params: { text } })),
    buttons: [[REFRESH]],
    ...extra,
  };
}

function setUp(where: Chat = CHAT, more: Transformer[] = []) {
  const chat = new PrivateChatDouble(where);
  const api = new Api('1:test');
  api.config.use(chat.transformer, inPlaceTries, ...more);
  const jobMessagesDouble = { note: () => {} } as unknown as TelegramJobMessages;
  const replies = new TelegramReplies(api, jobMessagesDouble, { withdraw: () => {}, delivered: () => {} });
  const c = { locale: 'en', user: { userId: '7' }, settings: {} } as unknown as CommandContext;
  const asked: Update = {
    update_id: 1,
    message: { message_id: 1, date: 0, chat: where, from: FROM, text: '/queue' },
  };
  const answer = (reply: Reply) => replies.send(new Context(asked, api, botInfo()), c, reply);
  const deps = {
    commands: { delivered: () => {} },
    replies,
    log: { warn: () => {} },
  } as unknown as PressDeps;
  let presses = 1;
  const refresh = (reply: Reply, on = 200) => {
    presses += 1;
    const message = { message_id: on, date: 0, chat: where, from: botInfo(), text: 'A-1' };
    const query = { id: `q${presses}`, chat_instance: 'c', from: FROM, message, data: REFRESH.id };
    const update: Update = { update_id: presses, callback_query: query };
    return replaceSource(deps, new Context(update, api, botInfo()), c, { ...reply, replaceSource: true });
  };
  return { chat, answer, refresh };
}

/** `setUp(where, more)`, then the /queue answer A (`later` parts after its first), its part `held` held going out. */
async function answerHeld(held: string, later: number, where: Chat = CHAT, more: Transformer[] = []) {
  const bot = setUp(where, more);
  const slowSend = bot.chat.holdText('sendMessage', held);
  const answered = bot.answer(list('A', later));
  await slowSend.reached;
  return { ...bot, slowSend, answered };
}

describe('Telegram: a Refresh while the /queue answer’s own later parts are still being sent', () => {
  it('waits for them and edits them into its list; the answer sends no more, and is not held by the Refresh', async () => {
    const { chat, refresh, slowSend, answered } = await answerHeld('A-3', 3);
    await refresh(list('B', 3));
    // The Refresh's later parts wait for the answer's; held until the answer ended, which must not wait for them.
    const slowEdit = chat.hold((method, p) => method === 'editMessageText' && p.message_id === 201);
    slowSend.release();
    await answered;
    slowEdit.release();
    await expect.poll(() => chat.shown()).toEqual(['B-1', 'B-2', 'B-3', 'B-4']);
    // A-4 was never sent: the answer stopped once the Refresh took its list over.
    expect(chat.sent).toEqual(['A-1', 'A-2', 'A-3', 'B-4']);
  });

  it('the parts the Refresh leaves are the list’s: the next Refresh edits them, nothing stays twice', async () => {
    const { chat, refresh, slowSend, answered } = await answerHeld('A-2', 2);
    await refresh(list('B', 2));
    slowSend.release();
    await answered;
    await expect.poll(() => chat.shown()).toEqual(['B-1', 'B-2', 'B-3']);
    await refresh(list('C', 1));
    await expect.poll(() => chat.shown()).toEqual(['C-1', 'C-2']);
  });

  it('a press refused meanwhile leaves the next press waiting for them: no part of the answer stays beside it', async () => {
    const { chat, refresh, slowSend, answered } = await answerHeld('A-3', 3);
    await refresh(list('B', 3));
    // Press X: Telegram will not edit the message; its list comes as a new message of its own.
    chat.refusing = (_method, p) => p.message_id === 200 && String(p.text).startsWith('X-1');
    await refresh(list('X', 3));
    await refresh(list('C', 3));
    slowSend.release();
    await answered;
    await expect.poll(() => chat.shown()).toEqual(['C-1', 'C-2', 'X-1', 'X-2', 'X-3', 'X-4', 'C-3', 'C-4']);
  });
});

describe('Telegram: a press refused in a group while the /queue answer’s later parts are still being sent', () => {
  it('does not cut the answer short: its remaining parts still go', async () => {
    const { chat, refresh, slowSend, answered } = await answerHeld('A-2', 3, GROUP);
    chat.refusing = (_method, p) => p.message_id === 200;
    await refresh(list('B', 3));
    slowSend.release();
    await answered;
    expect(chat.sent).toEqual(['A-1', 'A-2', 'A-3', 'A-4']);
  });
});

/** Telegram's flood control on a request, asking for a wait far longer than a test's. */
const TOO_MANY: HeldAnswer = {
  ok: false,
  error_code: 429,
  description: 'Too Many Requests: retry after 30',
  parameters: { retry_after: 30 },
};

describe('Telegram: a later part waiting out flood control when a press takes its list over', () => {
  it('the answer’s own part stops waiting at once: the Refresh’s later parts go now, none sent twice', async () => {
    const { chat, answer, refresh } = setUp(CHAT, [retries(60)]);
    const limited = chat.holdText('sendMessage', 'A-3');
    let answerEnded = false;
    const answered = answer(list('A', 3)).finally(() => {
      answerEnded = true;
    });
    await limited.reached;
    limited.release(TOO_MANY);
    // The answer now waits out retry_after (auto-retry) before sending A-3 again.
    await moment();
    await refresh(list('B', 3));
    await expect.poll(() => chat.shown(), { timeout: 2000 }).toEqual(['B-1', 'B-2', 'B-3', 'B-4']);
    await expect.poll(() => answerEnded, { timeout: 2000 }).toBe(true);
    await answered;
    // A-3 was refused, never sent again; B's parts past the answer's two are new messages, each once.
    expect(chat.sent).toEqual(['A-1', 'A-2', 'B-3', 'B-4']);
  });

  it('a press’s own new part stops waiting at once: the next press’s later parts go now, none sent twice', async () => {
    const { chat, answer, refresh } = setUp(CHAT, [retries(60)]);
    await answer(list('A', 1));
    const limited = chat.holdText('sendMessage', 'B-3');
    await refresh(list('B', 3));
    await limited.reached;
    limited.release(TOO_MANY);
    await moment();
    await refresh(list('C', 3));
    await expect.poll(() => chat.shown(), { timeout: 2000 }).toEqual(['C-1', 'C-2', 'C-3', 'C-4']);
    await moment();
    expect(chat.sent).toEqual(['A-1', 'A-2', 'C-3', 'C-4']);
  });
});

describe('Telegram: a press shows just as the /queue answer’s later part is handed a 429 back to auto-retry', () => {
  it('its wait is still cut: the abort comes once auto-retry’s pause listens, not before, when it would be missed', async () => {
    const { chat, answer, refresh } = setUp(CHAT, [
      // Between inPlaceTries, whose try of A-3 has ended (its 429 handed back), and auto-retry, not yet pausing: the
      // Refresh's first part shows here. Microtasks only, as between the two in the bot, so no macrotask runs.
      async (prev, method, payload, signal) => {
        const answered = await prev(method, payload, signal);
        if (answered.ok || method !== 'sendMessage') return answered;
        edit.release();
        for (let n = 0; n < 1000; n++) await Promise.resolve();
        expect(chat.messages.get(200)).toBe('B-1');
        return answered;
      },
      retries(60),
    ]);
    const limited = chat.holdText('sendMessage', 'A-3');
    const edit = chat.holdText('editMessageText', 'B-1');
    let answerEnded = false;
    const answered = answer(list('A', 3)).finally(() => {
      answerEnded = true;
    });
    await limited.reached;
    const pressed = refresh(list('B', 3));
    await edit.reached;
    limited.release(TOO_MANY);
    await pressed;
    // Aborted before the pause listened, the answer would wait out all 30 s of it, the Refresh's later parts too.
    await expect.poll(() => answerEnded, { timeout: 2000 }).toBe(true);
    await answered;
    await expect.poll(() => chat.shown(), { timeout: 2000 }).toEqual(['B-1', 'B-2', 'B-3', 'B-4']);
    expect(chat.sent).toEqual(['A-1', 'A-2', 'B-3', 'B-4']);
  });
});

describe('Telegram: a press comes just as an earlier press’s edit of a later part is handed a 429 back to auto-retry', () => {
  it('the earlier one’s wait is still cut: the later press’s parts go now, not after the whole retry_after', async () => {
    let later: Promise<void> | undefined;
    const { chat, answer, refresh } = setUp(CHAT, [
      // Between inPlaceTries, whose try of B-2 has ended (its 429 handed back), and auto-retry, not yet pausing.
      async (prev, method, payload, signal) => {
        const answered = await prev(method, payload, signal);
        if (!answered.ok && later === undefined) later = refresh(list('C', 1));
        return answered;
      },
      retries(60),
    ]);
    await answer(list('A', 1));
    const limited = chat.holdText('editMessageText', 'B-2');
    await refresh(list('B', 1));
    await limited.reached;
    limited.release(TOO_MANY);
    await expect.poll(() => later !== undefined).toBe(true);
    await later;
    await expect.poll(() => chat.shown(), { timeout: 2000 }).toEqual(['C-1', 'C-2']);
  });
});

describe('Telegram: in a group, a later part of the /queue answer waiting out flood control when a press shows', () => {
  it('is not cut: the press sends nothing new there, so it goes once the wait is out and the list is whole', async () => {
    const { chat, refresh, slowSend: limited, answered } = await answerHeld('A-3', 3, GROUP, [retries(60)]);
    // One second of flood control: the answer waits it out (auto-retry) before sending A-3 again.
    limited.release({
      ...TOO_MANY,
      description: 'Too Many Requests: retry after 1',
      parameters: { retry_after: 1 },
    });
    await moment();
    await refresh(list('B', 3));
    await answered;
    // Cut, A-3 and A-4 were never sent and the Refresh may not send them in a group: B-3 and B-4 were lost.
    await expect.poll(() => chat.shown(), { timeout: 3000 }).toEqual(['B-1', 'B-2', 'B-3', 'B-4']);
    expect(chat.sent).toEqual(['A-1', 'A-2', 'A-3', 'A-4']);
  });
});

/**
 * A /queue answer A, then press X refused in place (Telegram will not edit message 200): its list comes as new
 * messages, 202 and on, its third part held going out. `extra`: more of X's reply.
 */
async function pressSentAnew(extra: Partial<Reply> = {}) {
  const { chat, answer, refresh } = setUp();
  await answer(list('A', 1));
  chat.refusing = (_method, p) => p.message_id === 200;
  const slowSend = chat.holdText('sendMessage', 'X-3');
  const x = refresh(list('X', 3, extra));
  await slowSend.reached;
  return { chat, refresh, slowSend, x };
}

/** Refresh R on the list sent anew (202) while X's part is held; then that part goes: both presses end. */
async function refreshWhileSentAnew({ refresh, slowSend, x }: Awaited<ReturnType<typeof pressSentAnew>>) {
  const r = refresh(list('R', 3), 202);
  await moment();
  slowSend.release();
  await Promise.all([x, r]);
}

describe('Telegram: a Refresh on a list sent anew after a refused press, its later parts still going out', () => {
  // A regression guard: it passes without c5251ce too. What it holds is the turn a list sent anew takes for its later
  // parts (replies.ts `sendLater`): sent without one, the Refresh finds no parts under 202 and sends its own beside
  // which stay shown. The next test is the one that guards the turn's mark taken in `placed`.
  it('waits for them and edits them into its list: none of the earlier send’s parts stays beside it or over it', async () => {
    // Press X: Telegram will not edit the message; its list comes as new messages, 202 and on.
    const pressed = await pressSentAnew();
    const { chat } = pressed;
    await refreshWhileSentAnew(pressed);
    await expect.poll(() => chat.shown()).toEqual(['A-1', 'A-2', 'R-1', 'R-2', 'R-3', 'R-4']);
    await moment();
    expect(chat.shown()).toEqual(['A-1', 'A-2', 'R-1', 'R-2', 'R-3', 'R-4']);
    // X-4 was never sent: the Refresh took the list over; its own last part is a message of its own.
    expect(chat.sent).toEqual(['A-1', 'A-2', 'X-1', 'X-2', 'X-3', 'R-4']);
  });

  it('the refused Cancel’s stopped list, known before the Refresh began, does not land over the Refresh’s', async () => {
    let stopped: (reply: Reply) => void = () => {};
    const nextInPlace = new Promise<Reply>((resolve) => {
      stopped = resolve;
    });
    // Cancel X, refused in place: its list comes anew (202 on), its stopped list N to follow it there.
    const pressed = await pressSentAnew({ nextInPlace });
    const { chat } = pressed;
    // The job stopped: N is known. Then Refresh R on the list sent anew, while its later parts still go out.
    stopped(list('N', 3));
    await moment();
    await refreshWhileSentAnew(pressed);
    await expect.poll(() => chat.shown()).toEqual(['A-1', 'A-2', 'R-1', 'R-2', 'R-3', 'R-4']);
    await moment();
    expect(chat.shown()).toEqual(['A-1', 'A-2', 'R-1', 'R-2', 'R-3', 'R-4']);
  });
});
