// The adapter's side of the inbox (adapters/telegram/inbox.ts) on a real store: an update is kept from its arrival
// until its handling ends, however it ends; a second delivery leaves the first's row alone while it is handled; an
// album item ends with its album; after close nothing touches the store; a store that fails does not stop handling. A
// request set aside for the next start (the bot stopping) keeps its update, counted as never tried; an album is set
// aside whole or not at all; an edit of a message set aside takes its place there, also one that came while the
// message was still handled (an album item's, with its album). Once closed, a request whose row the next start tries
// again is said to wait for it.
import Database from 'better-sqlite3';
import { Api, Context } from 'grammy';
import type { Message, Update } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { refusedForStopping, TelegramInbox } from '../../../adapters/telegram/inbox.js';
import { textReply } from '../../../commands/index.js';
import { UpdateInbox } from '../../../src/jobs/index.js';
import { createLogger } from '../../../src/log.js';
import { botInfo } from './bot-info.js';

const me = botInfo();
const api = new Api('1:test');

function update(id: number, text = 'hi'): Update {
  const chat = { id: 7, type: 'private' as const, first_name: 'A' };
  return {
    update_id: id,
    message: { message_id: id, date: 0, chat, from: { id: 7, is_bot: false, first_name: 'A' }, text },
  };
}
const contextOf = (u: Update) => new Context(u, api, me);
/** Items of one album: photos sharing a media_group_id, as Telegram sends them. */
function albumItem(id: number): Update {
  const { message } = update(id);
  return { update_id: id, message: { ...(message as Message), media_group_id: 'a1' } as Update['message'] };
}
/** The author's edit of the message `update(of)` carries, arriving as update `id`. */
function editOf(of: number, id: number, text: string): Update {
  const { message } = update(of, text);
  return {
    update_id: id,
    edited_message: { ...(message as Message), edit_date: 1 } as Update['edited_message'],
  };
}

/** A logger whose lines' messages land in `lines`. */
function capture(lines: string[] = []) {
  const destination = { write: (line: string) => lines.push((JSON.parse(line) as { msg: string }).msg) };
  return { lines, log: createLogger({ level: 'info', pretty: false, destination }) };
}

function setUp() {
  const store = new UpdateInbox(new Database(':memory:'));
  const { lines, log } = capture();
  const kept = () => store.takeLeftovers({ now: 0, keep: 1000, maxAgeMs: 1, maxAttempts: 99 });
  return { store, inbox: new TelegramInbox(store, log, () => 0), lines, kept };
}

/** An update through both of the inbox's middlewares, as bot.ts chains them (its chat's turn between them). */
function deliver(inbox: TelegramInbox, ctx: Context, next: () => Promise<void>, first = true): Promise<void> {
  return inbox.handle(ctx, () => inbox.inTurn(ctx, next), first);
}

/** A handler that runs until `done` is called. */
function held(): { next: () => Promise<void>; done: () => void; failWith: (error: Error) => void } {
  let done = () => {};
  let failWith: (error: Error) => void = () => {};
  const settled = new Promise<void>((resolve, reject) => {
    done = resolve;
    failWith = reject;
  });
  return { next: () => settled, done: () => done(), failWith: (error) => failWith(error) };
}

describe('TelegramInbox', () => {
  it('keeps a fetched update until its handling ends, a failed one too', async () => {
    const { inbox, store } = setUp();
    inbox.received([update(1), update(2)]);
    const one = held();
    const two = held();
    const first = inbox.handle(contextOf(update(1)), one.next, true);
    const second = inbox.handle(contextOf(update(2)), two.next, true);
    expect(store.size).toBe(2);
    one.done();
    await first;
    expect(store.size).toBe(1);
    two.failWith(new Error('handler failed'));
    await expect(second).rejects.toThrow('handler failed');
    expect(store.size).toBe(0);
  });

  it('keeps an update that arrives without a fetch (webhook) as its handling begins', async () => {
    const { inbox, store } = setUp();
    const one = held();
    const handled = inbox.handle(contextOf(update(5)), one.next, true);
    expect(store.size).toBe(1);
    one.done();
    await handled;
    expect(store.size).toBe(0);
  });

  it('a second delivery leaves the row of one still being handled, and removes the row of one handled', async () => {
    const { inbox, store } = setUp();
    inbox.received([update(1)]);
    const one = held();
    const first = inbox.handle(contextOf(update(1)), one.next, true);
    inbox.received([update(1)]);
    await inbox.handle(contextOf(update(1)), async () => {}, false);
    expect(store.size).toBe(1);
    one.done();
    await first;
    // Delivered once more after it was handled: kept by the fetch, dropped as a repeat.
    inbox.received([update(1)]);
    expect(store.size).toBe(1);
    await inbox.handle(contextOf(update(1)), async () => {}, false);
    expect(store.size).toBe(0);
  });

  it("an album's items stay kept until the album is handled", async () => {
    const { inbox, store } = setUp();
    const items = [contextOf(update(1)), contextOf(update(2))];
    inbox.received(items.map((c) => c.update));
    for (const ctx of items) await inbox.handle(ctx, async () => inbox.defer(ctx), true);
    expect(store.size).toBe(2);
    inbox.finished(items);
    expect(store.size).toBe(0);
  });

  it('hands out what an earlier run left, and logs the ones given up', () => {
    const { store, lines } = setUp();
    store.add([{ updateId: 3, body: JSON.stringify(update(3, 'poison')) }], 0, 1000);
    const earlier = new TelegramInbox(store, capture().log, () => 0);
    expect(earlier.leftovers().replay.map((u) => u.update_id)).toEqual([3]);
    const later = new TelegramInbox(store, capture(lines).log, () => 0);
    expect(later.leftovers()).toEqual({
      replay: [],
      givenUp: [{ updateId: 3, update: update(3, 'poison') }],
      answered: [],
    });
    expect(lines).toEqual(['telegram update given up: the process stopped while handling it each time']);
  });

  it('after close an ending handler leaves its update for the next start', async () => {
    const { inbox, kept } = setUp();
    inbox.received([update(1)]);
    const one = held();
    const handled = inbox.handle(contextOf(update(1)), one.next, true);
    inbox.close();
    one.done();
    await handled;
    expect(kept().retry.map((e) => e.updateId)).toEqual([1]);
  });

  it('an update too large is handled without being kept, and a failing store stops nothing', async () => {
    const { inbox, store, lines } = setUp();
    inbox.received([update(1, 'x'.repeat(70_000))]);
    expect(store.size).toBe(0);
    const broken = new TelegramInbox(
      {
        add: () => {
          throw new Error('SQLITE_FULL');
        },
        remove: () => {
          throw new Error('SQLITE_FULL');
        },
        takeLeftovers: () => ({ retry: [], givenUp: [], answered: [], expired: 0 }),
        postpone: () => {
          throw new Error('SQLITE_FULL');
        },
        answering: () => {
          throw new Error('SQLITE_FULL');
        },
        notAnswering: () => {
          throw new Error('SQLITE_FULL');
        },
      },
      capture(lines).log,
    );
    broken.received([update(2)]);
    let ran = false;
    await broken.handle(
      contextOf(update(2)),
      async () => {
        ran = true;
      },
      true,
    );
    expect(ran).toBe(true);
    expect(lines).toEqual([
      'telegram update too large to keep',
      'telegram updates not kept: a crash would lose them',
      'telegram update not removed from the inbox',
    ]);
  });
});

describe('TelegramInbox.postpone', () => {
  it('keeps a postponed update when its handling ends, as never tried, and a second delivery leaves it', async () => {
    const { inbox, store, kept } = setUp();
    inbox.received([update(1), update(2)]);
    const ctx = contextOf(update(1));
    await inbox.handle(ctx, async () => expect(inbox.postpone(ctx)).toBe(true), true);
    await inbox.handle(contextOf(update(2)), async () => {}, true);
    expect(store.size).toBe(1);
    inbox.received([update(1)]);
    await inbox.handle(contextOf(update(1)), async () => {}, false);
    expect(kept().retry.map((e) => [e.updateId, e.attempts])).toEqual([[1, 1]]);
  });

  it('keeps every item of a postponed album, and nothing it did not keep', async () => {
    const { inbox, store, kept } = setUp();
    const items = [contextOf(albumItem(1)), contextOf(albumItem(2))];
    inbox.received(items.map((c) => c.update));
    for (const ctx of items) await inbox.handle(ctx, async () => inbox.defer(ctx), true);
    expect(inbox.postpone(items[0] as Context)).toBe(true);
    inbox.finished(items);
    expect(store.size).toBe(2);
    // Too large to keep: the refusal stands.
    const large = contextOf(update(3, 'x'.repeat(70_000)));
    await inbox.handle(large, async () => expect(inbox.postpone(large)).toBe(false), true);
    expect(kept().retry.map((e) => [e.updateId, e.attempts])).toEqual([
      [1, 1],
      [2, 1],
    ]);
  });

  it('once closed, a request whose row is left short of its last try waits for the next start; one at its last is refused', async () => {
    const { store } = setUp();
    // An earlier run's: tried once (it died handling it), and one set aside (never tried).
    store.add([{ updateId: 1, body: JSON.stringify(update(1, '/imagine a fox')) }], 0, 1000);
    store.add([{ updateId: 2, body: JSON.stringify(update(2, '/imagine a cat')) }], 0, 1000);
    store.postpone(2);
    const inbox = new TelegramInbox(store, capture().log, () => 0);
    const [lastTry, setAside] = inbox.leftovers().replay.map(contextOf) as [Context, Context];
    const late = contextOf(update(3, '/imagine an owl'));
    const begun = contextOf(update(4, '/imagine a hare'));
    inbox.received([late.update, begun.update]);
    const said: unknown[] = [];
    const stopping = textReply('errors.queue.stopping');
    const stop = held();
    const handled = [lastTry, setAside, late, begun].map((ctx) =>
      inbox.handle(
        ctx,
        async () => {
          // Its first message went out before the stop (answers-begun.ts): the next start drops its row.
          if (ctx === begun) inbox.answering([4]);
          await stop.next();
          said.push(inbox.insteadOfStopping(ctx, stopping)?.text[0]?.key);
        },
        true,
      ),
    );
    // Their handling outlives the stop's wait: the store takes no more writes, the rows stay as they are.
    inbox.close();
    stop.done();
    await Promise.all(handled);
    expect(said).toEqual([undefined, 'job.postponed_restart', 'job.postponed_restart', undefined]);
    const next = store.takeLeftovers({ now: 0, keep: 1000, maxAgeMs: 1, maxAttempts: 2 });
    expect(next.retry.map((e) => e.updateId)).toEqual([2, 3]);
    expect(next.givenUp.map((e) => e.updateId)).toEqual([1]);
    expect(next.answered.map((e) => e.updateId)).toEqual([4]);
  });

  it('an album the store will not set aside whole is not set aside: the refusal stands, no item is kept', async () => {
    const store = new UpdateInbox(new Database(':memory:'));
    const { log, lines } = capture();
    const refusing = {
      add: store.add.bind(store),
      remove: store.remove.bind(store),
      takeLeftovers: store.takeLeftovers.bind(store),
      answering: store.answering.bind(store),
      notAnswering: store.notAnswering.bind(store),
      postpone: (id: number) => {
        if (id === 2) throw new Error('SQLITE_FULL');
        return store.postpone(id);
      },
    };
    const inbox = new TelegramInbox(refusing, log, () => 0);
    const items = [contextOf(albumItem(1)), contextOf(albumItem(2))];
    inbox.received(items.map((c) => c.update));
    for (const ctx of items) await inbox.handle(ctx, async () => inbox.defer(ctx), true);
    expect(inbox.postpone(items[0] as Context)).toBe(false);
    inbox.finished(items);
    expect(store.size).toBe(0);
    expect(lines).toEqual(['telegram update not kept for the next start']);
  });

  it('an edit of a message set aside takes its place: the next start gets the message as edited', async () => {
    const { inbox, store, kept } = setUp();
    const request = contextOf(update(1, '/imagine a fox'));
    inbox.received([request.update]);
    await inbox.handle(request, async () => expect(inbox.postpone(request)).toBe(true), true);
    let handled = false;
    const edit = editOf(1, 2, '/imagine a red fox');
    inbox.received([edit]);
    await deliver(inbox, contextOf(edit), async () => {
      handled = true;
    });
    expect(handled).toBe(false);
    // Telegram's second delivery of either changes nothing.
    await deliver(inbox, contextOf(edit), async () => {}, false);
    await deliver(inbox, request, async () => {}, false);
    expect(store.size).toBe(1);
    const [next] = kept().retry;
    expect([next?.updateId, next?.attempts]).toEqual([2, 1]);
    const replayed = JSON.parse(next?.body ?? '{}') as Update;
    expect(replayed.message).toMatchObject({ message_id: 1, text: '/imagine a red fox' });
    expect(replayed.edited_message).toBeUndefined();
  });

  it('an edit of a message not set aside is handled as any edit; one the store refuses leaves the original', async () => {
    const { inbox, store, kept } = setUp();
    let handled = 0;
    const edit = editOf(1, 2, 'changed');
    await deliver(inbox, contextOf(edit), async () => {
      handled += 1;
    });
    expect([handled, store.size]).toEqual([1, 0]);

    const failing = new TelegramInbox(
      {
        add: store.add.bind(store),
        remove: store.remove.bind(store),
        takeLeftovers: store.takeLeftovers.bind(store),
        answering: store.answering.bind(store),
        notAnswering: store.notAnswering.bind(store),
        postpone: (id: number) => id === 3 && store.postpone(id),
      },
      capture().log,
      () => 0,
    );
    const request = contextOf(update(3, '/imagine a fox'));
    await failing.handle(request, async () => expect(failing.postpone(request)).toBe(true), true);
    await deliver(failing, contextOf(editOf(3, 4, '/imagine a red fox')), async () => {
      handled += 1;
    });
    expect(handled).toBe(2);
    expect(kept().retry.map((e) => [e.updateId, JSON.parse(e.body).message?.text])).toEqual([
      [3, '/imagine a fox'],
    ]);
  });

  it('an edit of a message still being handled waits for its end: set aside by then, the edit takes its place', async () => {
    const { inbox, kept } = setUp();
    const request = contextOf(update(1, '/imagine a fox'));
    const one = held();
    const handled = deliver(inbox, request, one.next);
    let editHandled = false;
    const edit = deliver(inbox, contextOf(editOf(1, 2, '/imagine a red fox')), async () => {
      editHandled = true;
    });
    // The stop sets the request aside after the edit came, and its handling ends after that.
    expect(inbox.postpone(request)).toBe(true);
    one.done();
    await Promise.all([handled, edit]);
    expect(editHandled).toBe(false);
    const rows = kept().retry;
    expect(rows.map((e) => [e.updateId, (JSON.parse(e.body) as Update).message?.text])).toEqual([
      [2, '/imagine a red fox'],
    ]);
  });

  it('an edit of a message still being handled that is not set aside is handled once the message was', async () => {
    const { inbox, store } = setUp();
    const request = contextOf(update(1, '/imagine a fox'));
    const one = held();
    const order: string[] = [];
    const handled = deliver(inbox, request, async () => {
      await one.next();
      order.push('request');
    });
    const edit = deliver(inbox, contextOf(editOf(1, 2, '/imagine a red fox')), async () => {
      order.push('edit');
    });
    one.done();
    await Promise.all([handled, edit]);
    expect(order).toEqual(['request', 'edit']);
    expect(store.size).toBe(0);
  });

  it('a message delivered after its edit (behind it in its chat) is not waited for by the edit', async () => {
    const { inbox, store } = setUp();
    const turn = held();
    const order: string[] = [];
    const editCtx = contextOf(editOf(1, 2, '/imagine a red fox'));
    // The edit waits for its chat's turn; the message, delivered again meanwhile, waits behind it.
    const edit = inbox.handle(
      editCtx,
      async () => {
        await turn.next();
        await inbox.inTurn(editCtx, async () => {
          order.push('edit');
        });
      },
      true,
    );
    const message = inbox.handle(
      contextOf(update(1, '/imagine a fox')),
      async () => {
        await edit;
        order.push('message');
      },
      true,
    );
    turn.done();
    const late = new Promise((resolve) => setTimeout(resolve, 2000, 'stuck'));
    expect(await Promise.race([Promise.all([edit, message]).then(() => 'done'), late])).toBe('done');
    expect([order, store.size]).toEqual([['edit', 'message'], 0]);
  });

  it('an edit of an album item ends with the album: its place taken when the album is set aside, else dropped', async () => {
    for (const setAside of [true, false]) {
      const { inbox, store, kept } = setUp();
      const items = [contextOf(albumItem(1)), contextOf(albumItem(2))];
      for (const ctx of items) await deliver(inbox, ctx, async () => inbox.defer(ctx));
      const { message } = albumItem(1);
      const edited = {
        ...(message as Message),
        caption: '/retouch a red scarf',
        edit_date: 1,
      } as Update['edited_message'];
      let editHandled = false;
      // The album is still being handled: the edit's own handling ends at once, its row stays with the album.
      await deliver(inbox, contextOf({ update_id: 3, edited_message: edited }), async () => {
        editHandled = true;
      });
      expect([editHandled, store.size]).toEqual([false, 3]);
      if (setAside) expect(inbox.postpone(items[0] as Context)).toBe(true);
      inbox.finished(items);
      const rows = kept().retry.map((e) => [e.updateId, (JSON.parse(e.body) as Update).message?.caption]);
      expect(rows).toEqual(
        setAside
          ? [
              [2, undefined],
              [3, '/retouch a red scarf'],
            ]
          : [],
      );
    }
  });

  it('takes only a reply that says nothing but that the bot is stopping', () => {
    const stopping = textReply('errors.queue.stopping');
    expect(refusedForStopping(stopping)).toBe(true);
    expect(refusedForStopping({ ...stopping, more: [textReply('errors.queue.stopping')] })).toBe(false);
    expect(refusedForStopping({ ...stopping, jobId: 'j' })).toBe(false);
    expect(refusedForStopping(textReply('errors.queue.full'))).toBe(false);
  });
});
