// A /queue list longer than one Telegram message, put in place by presses in a row (Cancel n, Refresh, a Cancel's
// next state): its first part on the message pressed, its later parts in the earlier list's (list-parts.ts), one
// update in one turn from first part to last (source-replacement.ts). An older update's later parts must never land
// under a newer first part, updates passed by a newer one are skipped, the press is not held by the later parts (in a
// group Telegram's updates wait for each other), each request counts on the chat's pacing lane, and a later part the
// user deleted is passed over, not the end of the list.
import { Api, Context, type Transformer } from 'grammy';
import type { Update } from 'grammy/types';
import { describe, expect, it, vi } from 'vitest';
import type { PressDeps } from '../../../adapters/telegram/button-presses.js';
import { inPlaceTries } from '../../../adapters/telegram/in-place-turns.js';
import type { TelegramJobMessages } from '../../../adapters/telegram/job-messages.js';
import { LaterParts } from '../../../adapters/telegram/list-parts.js';
import { TelegramReplies } from '../../../adapters/telegram/replies.js';
import { retries } from '../../../adapters/telegram/retries.js';
import { replaceSource } from '../../../adapters/telegram/source-replacement.js';
import type { CommandContext, Reply } from '../../../commands/index.js';
import { botInfo } from './bot-info.js';
import { type HeldAnswer, HeldRequests, type Hold } from './held-requests.js';

const CHAT = { id: -100, type: 'group' as const, title: 'G' };
const FROM = { id: 7, is_bot: false, first_name: 'A' };
const FIRST = 50;

/** A group chat as Telegram keeps it: each message's text by id; requests matching a hold wait for the test. */
class ChatDouble {
  readonly messages = new Map<number, string>();
  readonly calls: { method: string; params: Record<string, unknown> }[] = [];
  private readonly held = new HeldRequests();

  hold(match: (method: string, p: Record<string, unknown>) => boolean): Hold {
    return this.held.hold(match);
  }

  readonly transformer: Transformer = async (_prev, method, payload) => {
    const p = payload as Record<string, unknown>;
    this.calls.push({ method, params: p });
    const held = this.held.take(method, p);
    if (held) {
      const answer = await held;
      if (answer) return answer as never;
    }
    const id = Number(p.message_id);
    if (method === 'editMessageText') {
      if (!this.messages.has(id))
        return { ok: false, error_code: 400, description: 'Bad Request: message to edit not found' } as never;
      this.messages.set(id, String(p.text));
      return { ok: true, result: { message_id: id, date: 0, chat: CHAT, text: p.text } } as never;
    }
    if (method === 'deleteMessage') this.messages.delete(id);
    if (method === 'deleteMessages') for (const gone of p.message_ids as number[]) this.messages.delete(gone);
    return { ok: true, result: true } as never;
  };

  /** Each message's list part, in the order the chat shows them. */
  shown(): string[] {
    return [...this.messages.entries()].sort(([a], [b]) => a - b).map(([, text]) => text.replace(/\.+$/, ''));
  }

  edited(text: string): boolean {
    return this.calls.some((c) => c.method === 'editMessageText' && String(c.params.text).startsWith(text));
  }
}

/** A /queue list named `name`: one line a message, `later` of them after its first. */
function list(name: string, later: number, extra: Partial<Reply> = {}): Reply {
  const lines = Array.from({ length: later + 1 }, (_, n) => `${name}-${n + 1}`.padEnd(3000, '.'));
  return {
    text: lines.map((text) => ({ key: 'reply.piece', params: { text } })),
    replaceSource: true,
    ...extra,
  };
}

let updates = 0;
function press(): Update {
  updates += 1;
  const message = { message_id: FIRST, date: 0, chat: CHAT, from: botInfo(), text: 'v0-1' };
  return {
    update_id: updates,
    callback_query: { id: `q${updates}`, chat_instance: 'c', from: FROM, message, data: 'x' },
  };
}

/** A group showing the list v0 with `later` later parts (51, 52, …), and the deps its presses are handled with. */
function setUp(later: number, more: Transformer[] = []) {
  const chat = new ChatDouble();
  chat.messages.set(FIRST, 'v0-1');
  const ids = Array.from({ length: later }, (_, n) => FIRST + 1 + n);
  for (const [n, id] of ids.entries()) chat.messages.set(id, `v0-${n + 2}`);
  const api = new Api('1:test');
  api.config.use(chat.transformer, inPlaceTries, ...more);
  const note = vi.fn();
  const laterParts = new LaterParts(note);
  laterParts.remember(CHAT.id, FIRST, ids);
  const deps = {
    commands: { delivered: () => {} },
    replies: { send: async () => {}, laterParts },
    log: { warn: () => {} },
  } as unknown as PressDeps;
  const c = { locale: 'en' } as CommandContext;
  const pressed = (reply: Reply) => replaceSource(deps, new Context(press(), api, botInfo()), c, reply);
  return { chat, note, pressed };
}

const moment = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('Telegram: updates of one long /queue list', () => {
  it('an older list’s later parts never land under a newer first part, however slow its press answer', async () => {
    const { chat, pressed } = setUp(2);
    // Refresh B's first part lands; its press answer is slow (a round trip, or flood control).
    const slowAnswer = chat.hold((method) => method === 'answerCallbackQuery');
    const b = pressed(list('B', 2));
    await slowAnswer.reached;
    // Meanwhile the job stops: list N is put in place.
    await pressed(list('N', 2));
    await expect.poll(() => chat.shown()).toEqual(['N-1', 'N-2', 'N-3']);
    slowAnswer.release();
    await b;
    await moment();
    expect(chat.shown()).toEqual(['N-1', 'N-2', 'N-3']);
  });

  it('the press is not held by its later parts: the group’s next update is not kept waiting', async () => {
    const { chat, pressed } = setUp(2);
    const slowEdit = chat.hold((method, p) => method === 'editMessageText' && p.message_id === FIRST + 1);
    let handled = false;
    const a = pressed(list('A', 2)).then(() => {
      handled = true;
    });
    await slowEdit.reached;
    await expect.poll(() => handled).toBe(true);
    slowEdit.release();
    await a;
    await expect.poll(() => chat.shown()).toEqual(['A-1', 'A-2', 'A-3']);
  });

  it('an update passed by a newer one while it waits its turn is skipped', async () => {
    const { chat, pressed } = setUp(2);
    const slowEdit = chat.hold((method, p) => method === 'editMessageText' && p.message_id === FIRST + 1);
    const a = pressed(list('A', 2));
    await slowEdit.reached;
    const b = pressed(list('B', 2));
    await moment();
    const c = pressed(list('C', 2));
    await moment();
    slowEdit.release();
    await Promise.all([a, b, c]);
    await expect.poll(() => chat.shown()).toEqual(['C-1', 'C-2', 'C-3']);
    // Neither A's remaining part nor any of B's was edited: each was passed before its turn came.
    expect(chat.edited('A-3')).toBe(false);
    expect(chat.edited('B-2')).toBe(false);
  });

  it('a later-part edit passed while with Telegram ends at its 429 instead of waiting out retry_after', async () => {
    const { chat, pressed } = setUp(2, [retries(60)]);
    const limited = chat.hold((method, p) => method === 'editMessageText' && p.message_id === FIRST + 1);
    await pressed(list('A', 2));
    await limited.reached;
    const b = pressed(list('B', 2));
    await moment();
    const tooMany = { ok: false, error_code: 429, description: 'Too Many Requests: retry after 30' };
    limited.release({ ...tooMany, parameters: { retry_after: 30 } } as HeldAnswer);
    await b;
    await expect.poll(() => chat.shown(), { timeout: 2000 }).toEqual(['B-1', 'B-2', 'B-3']);
  });

  it('every edit and delete of the later parts counts on the group’s pacing lane', async () => {
    const { chat, note, pressed } = setUp(3);
    await pressed(list('A', 1));
    await expect.poll(() => chat.shown()).toEqual(['A-1', 'A-2']);
    const requests = chat.calls.filter(
      (c) =>
        (c.method === 'editMessageText' && c.params.message_id !== FIRST) || c.method.startsWith('delete'),
    );
    // One edit, the two parts left over in one deleteMessages.
    expect(requests.map((c) => c.method)).toEqual(['editMessageText', 'deleteMessages']);
    expect(note).toHaveBeenCalledTimes(2);
    expect(note).toHaveBeenCalledWith(CHAT.id, true);
  });

  it('a delete passed while with Telegram ends there: nothing more is tried or counted for the parts it left', async () => {
    const { chat, note, pressed } = setUp(3);
    const limited = chat.hold((method) => method === 'deleteMessages');
    await pressed(list('A', 1));
    await limited.reached;
    const b = pressed(list('B', 3));
    await moment();
    limited.release({ ok: false, error_code: 429, description: 'Too Many Requests: retry after 30' });
    await b;
    await expect.poll(() => chat.shown()).toEqual(['B-1', 'B-2', 'B-3', 'B-4']);
    // A: one edit and the deleteMessages; B: its three later parts. None of A's parts deleted or edited one by one.
    expect(note).toHaveBeenCalledTimes(5);
    expect(chat.calls.some((c) => c.method === 'deleteMessage')).toBe(false);
  });

  it('a part that cannot be deleted, once it says so, costs no request while there is nothing new for it', async () => {
    const refusedDeletes: Transformer = async (prev, method, payload, signal) =>
      method.startsWith('delete')
        ? ({ ok: false, error_code: 400, description: "Bad Request: message can't be deleted" } as never)
        : prev(method, payload, signal);
    const { chat, note, pressed } = setUp(3, [refusedDeletes]);
    await pressed(list('A', 1));
    await expect.poll(() => note.mock.calls.length).toBe(6);
    const unused = chat.messages.get(FIRST + 2);
    expect(unused).not.toMatch(/^v0/);
    await pressed(list('B', 1));
    await expect.poll(() => chat.shown()[1]).toBe('B-2');
    await moment();
    // One edit: the two parts saying they are unused are left be.
    expect(note).toHaveBeenCalledTimes(7);
    // The list grows again: they are its parts once more.
    await pressed(list('C', 3));
    await expect.poll(() => chat.shown()).toEqual(['C-1', 'C-2', 'C-3', 'C-4']);
    // Shorter again: the parts reused for C's lines say they are unused once more, not C's old lines.
    await pressed(list('D', 1));
    await expect.poll(() => chat.shown()[1]).toBe('D-2');
    await moment();
    expect(chat.shown().join(' ')).not.toMatch(/C-\d/);
  });

  it('a stopped list known before a Refresh began does not land over the Refresh’s newer list', async () => {
    const { chat, pressed } = setUp(2);
    // Cancel: its list is slow to land, the job stopped at once (the stopped list is known already).
    const slowEdit = chat.hold(
      (method, p) =>
        method === 'editMessageText' && p.message_id === FIRST && String(p.text).startsWith('S-1'),
    );
    const cancel = pressed(list('S', 2, { nextInPlace: Promise.resolve(list('N', 2)) }));
    await slowEdit.reached;
    const refresh = pressed(list('R', 2));
    await moment();
    slowEdit.release();
    await Promise.all([cancel, refresh]);
    await moment();
    expect(chat.shown()).toEqual(['R-1', 'R-2', 'R-3']);
  });

  it('a later part the user deleted is passed over: the next one takes its place, none is deleted', async () => {
    const { chat, pressed } = setUp(3);
    chat.messages.delete(FIRST + 1);
    await pressed(list('A', 2));
    await expect.poll(() => chat.shown()).toEqual(['A-1', 'A-2', 'A-3']);
    expect(chat.calls.some((c) => c.method.startsWith('delete'))).toBe(false);
  });
});

describe('Telegram: the later parts kept of long answers', () => {
  /** Sends `reply` as the answer to a message in a private chat: the later parts kept under its first message. */
  async function keptOf(reply: Reply): Promise<number[]> {
    let next = 200;
    const api = new Api('1:test');
    api.config.use(async (_prev, method, payload) => {
      const p = payload as Record<string, unknown>;
      if (method !== 'sendMessage') return { ok: true, result: true } as never;
      const chat = { id: 7, type: 'private', first_name: 'A' };
      return { ok: true, result: { message_id: next++, date: 0, chat, text: p.text } } as never;
    });
    const jobMessagesDouble = { note: () => {} } as unknown as TelegramJobMessages;
    const replies = new TelegramReplies(api, jobMessagesDouble, { withdraw: () => {}, delivered: () => {} });
    const chat = { id: 7, type: 'private' as const, first_name: 'A' };
    const update = { update_id: 1, message: { message_id: 1, date: 0, chat, from: FROM, text: '/x' } };
    const c = { locale: 'en', user: { userId: 'u' }, settings: {} } as unknown as CommandContext;
    await replies.send(new Context(update, api, botInfo()), c, reply);
    return replies.laterParts.taken(7, 200).ids;
  }

  it('only a list a press puts something in place of (Cancel n, Refresh), not /help or /history', async () => {
    const refresh = {
      id: `queue_refresh:${'0'.repeat(8)}-0000-4000-8000-000000000001`,
      labelKey: 'button.refresh',
    };
    const help = { ...list('help', 2), replaceSource: undefined };
    expect(await keptOf(help)).toEqual([]);
    const queue = { ...list('queue', 2), replaceSource: undefined, buttons: [[refresh]] } as Reply;
    expect(await keptOf(queue)).toEqual([201, 202]);
  });
});
