// Marking an update as answered just before a message answering it leaves (adapters/telegram/answers-begun.ts, inbox.ts
// `answering`): a new message sent from an update's handling marks it, whichever API object sends it (the bot's, or
// the update's own, which grammY gives every context), across awaits, each handling its own updates; an edit, a chat
// action or a message sent outside any handling marks nothing. The inbox marks a row only while this run handles its
// update and keeps it, once, never after close, and a store that fails stops nothing. The next start takes a marked
// update as answered: not handed out again.
import Database from 'better-sqlite3';
import { Api, Bot, Context, type Transformer } from 'grammy';
import type { Update } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { type AnswerMarks, AnswersBegun } from '../../../adapters/telegram/answers-begun.js';
import { TelegramInbox } from '../../../adapters/telegram/inbox.js';
import { UpdateInbox } from '../../../src/jobs/index.js';
import { createLogger } from '../../../src/log.js';
import { botInfo } from './bot-info.js';

const me = botInfo();

function update(id: number, text = '/help'): Update {
  const chat = { id: 7, type: 'private' as const, first_name: 'A' };
  return {
    update_id: id,
    message: { message_id: id, date: 0, chat, from: { id: 7, is_bot: false, first_name: 'A' }, text },
  };
}

/**
 * A Bot API double: every call succeeds at once, without a network; `calls` lists them in order, each with what
 * `seen` said as it arrived.
 */
function offline(calls: string[] = [], seen: () => unknown = () => ''): Transformer {
  return async (_prev, method) => {
    calls.push(`${method} ${String(seen())}`);
    const result = method.startsWith('send') ? { message_id: 99, date: 0, chat: { id: 7 } } : true;
    return { ok: true, result } as never;
  };
}

/** Marks that list each try's updates, as TelegramInbox `answering` would mark them. */
function recording(marked: number[][]): AnswerMarks {
  return {
    answering: (ids) => marked.push([...ids]) > 0,
    tryEnded: () => {},
  };
}

function setUp() {
  const marked: number[][] = [];
  const calls: string[] = [];
  const answers = new AnswersBegun(recording(marked));
  const api = new Api('1:test');
  // The double stands for the network: the marking transformer wraps it, as it wraps each try in bot.ts.
  api.config.use(
    offline(calls, () => marked.length),
    answers.transformer,
  );
  return { marked, answers, api, calls };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('AnswersBegun', () => {
  it('a new message sent while handling updates marks them, before it leaves', async () => {
    const { marked, answers, api, calls } = setUp();
    await answers.during([5], async () => {
      await tick();
      await api.sendMessage(7, 'help');
      await api.sendPhoto(7, 'file-id');
      await api.copyMessage(7, 7, 1);
    });
    await answers.during([6, 7], () => api.sendMediaGroup(7, []));
    expect(marked).toEqual([[5], [5], [5], [6, 7]]);
    // Each mark was made before its call reached Telegram.
    expect(calls).toEqual(['sendMessage 1', 'sendPhoto 2', 'copyMessage 3', 'sendMediaGroup 4']);
  });

  it('an edit, a chat action, an answer to a press, or a message sent outside a handling mark nothing', async () => {
    const { marked, answers, api } = setUp();
    await answers.during([5], async () => {
      await api.sendChatAction(7, 'typing');
      await api.editMessageText(7, 1, 'edited');
      await api.deleteMessage(7, 1);
      await api.answerCallbackQuery('q');
    });
    await api.sendMessage(7, 'a job ended');
    expect(marked).toEqual([]);
  });

  it('handlings running together each mark their own updates', async () => {
    const { marked, answers, api } = setUp();
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = answers.during([1], async () => {
      await gate;
      await api.sendMessage(7, 'one');
    });
    const quick = answers.during([2], () => api.sendMessage(7, 'two'));
    await quick;
    release();
    await slow;
    expect(marked).toEqual([[2], [1]]);
  });

  it("a reply through the update's own API (ctx.reply, the guard's refusal) marks it too", async () => {
    const marked: number[][] = [];
    const answers = new AnswersBegun(recording(marked));
    const bot = new Bot('1:test', { botInfo: me });
    bot.api.config.use(offline(), answers.transformer);
    bot.use((ctx, next) => answers.during([ctx.update.update_id], next));
    bot.on('message:text', async (ctx) => {
      await ctx.reply('refused');
    });
    await bot.handleUpdate(update(42));
    expect(marked).toEqual([[42]]);
  });
});

/** A logger whose lines' messages land in `lines`. */
function capture(lines: string[] = []) {
  const destination = { write: (line: string) => lines.push((JSON.parse(line) as { msg: string }).msg) };
  return { lines, log: createLogger({ level: 'info', pretty: false, destination }) };
}

const api = new Api('1:test');
const contextOf = (u: Update) => new Context(u, api, me);

describe('TelegramInbox answering', () => {
  it('marks an update this run handles and keeps, once; the next start takes it as answered', async () => {
    const store = new UpdateInbox(new Database(':memory:'));
    const answering: number[] = [];
    const counting = {
      add: store.add.bind(store),
      remove: store.remove.bind(store),
      takeLeftovers: store.takeLeftovers.bind(store),
      postpone: store.postpone.bind(store),
      notAnswering: store.notAnswering.bind(store),
      answering: (id: number) => {
        answering.push(id);
        return store.answering(id);
      },
    };
    const { log, lines } = capture();
    const inbox = new TelegramInbox(counting, log, () => 0);
    inbox.received([update(1), update(2)]);
    // Update 3 is not this run's: its handling has not begun.
    await inbox.handle(
      contextOf(update(1)),
      async () => {
        inbox.answering([1, 3]);
        inbox.answering([1]);
        inbox.close();
      },
      true,
    );
    // Closed: the store is about to close; update 2 is marked no more.
    await inbox.handle(
      contextOf(update(2)),
      async () => {
        inbox.answering([2]);
      },
      true,
    );
    expect(answering).toEqual([1]);
    const next = new TelegramInbox(store, log, () => 0);
    const { replay, answered } = next.leftovers();
    expect(answered).toEqual([1]);
    expect(replay.map((u) => u.update_id)).toEqual([2]);
    expect(lines).toContain(
      'telegram updates whose answer was being sent when the process stopped: not handled again (an answer may be missing, none is doubled)',
    );
  });

  it('a handling that ended leaves nothing to mark; a store that fails to mark stops nothing', async () => {
    const store = new UpdateInbox(new Database(':memory:'));
    const { log, lines } = capture();
    const failing = {
      add: store.add.bind(store),
      remove: store.remove.bind(store),
      takeLeftovers: store.takeLeftovers.bind(store),
      postpone: store.postpone.bind(store),
      notAnswering: store.notAnswering.bind(store),
      answering: (): boolean => {
        throw new Error('SQLITE_FULL');
      },
    };
    const inbox = new TelegramInbox(failing, log, () => 0);
    let sent = false;
    await inbox.handle(
      contextOf(update(1)),
      async () => {
        inbox.answering([1]);
        sent = true;
      },
      true,
    );
    inbox.answering([1]);
    expect(sent).toBe(true);
    expect(lines).toEqual(['telegram update not marked as being answered']);
  });
});
