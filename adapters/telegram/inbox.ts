// Nothing a user sent is lost to a crash. Polling confirms a batch of updates by fetching the next one, before they
// are handled (repeats.ts), and a webhook is answered before an album is handled or once a handler has taken 50 s
// (webhook.ts), so a process killed meanwhile (kill -9, out of memory, a crash) would take the request with it:
// Telegram does not send it again. Each update is therefore kept in the job store (src/jobs/inbox.ts) from its
// arrival (polling: the fetched batch, in one write, before the runner sees it; webhook: as its handling begins)
// until its handling ends, however it ends (done, refused, failed: the process lived to answer). An album's items end
// with the album. What an earlier run left is handled first at start, in arrival order; handling it again is safe,
// as repeats.ts knows a request whose job exists. Bounded: the latest KEPT updates, none older than MAX_AGE_MS (as
// Telegram keeps them), each handled at most MAX_ATTEMPTS times: an update whose handling kills the process every
// time is given up, and the log says so (and its sender is told once: given-up.ts).
// A request the queue refuses only because the bot is stopping (a drain's grace period, or the adapter's stop) is
// not refused: its update is set aside for the next start (`postpone`), which handles it as if just sent, and the
// sender hears that it will be. Only a new message is: a button press would be answered by nobody (its query
// expires) and a second press would make a second job; an edit stands for jobs the restart may start before it. An
// album is set aside whole or not at all. An edit of a message set aside, made while the bot still stops, takes its
// place: the next start runs the message as edited, as an edit of a request still waiting replaces it (edits.ts).
// Whether a message is set aside is known only once its handling ends (the queue refuses it late: after a download,
// or after the edit came), so an edit of a message still being handled waits for that end, in its chat's turn
// (`inTurn`); an edit of an album item goes with its album, which ends apart from its chat's order. A handling that
// outlives the stop's wait (the inbox closed) leaves its row as a crash would: the next start handles it again, so
// what this run still says of it is that it waits for that start (`insteadOfStopping`), never "try again", and an
// answer it would begin now is held back (`answering`): that start gives it.
import type { Context, NextFunction } from 'grammy';
import type { Message, Update } from 'grammy/types';
import { type Reply, textReply } from '../../commands/index.js';
import type { UpdateInbox } from '../../src/jobs/index.js';
import type { Logger } from '../../src/log.js';
import { AnswerRows, type MarkStore } from './answer-marks.js';

/** The most updates kept: far more than are in flight at once (the runner takes up to 500). */
export const KEPT = 1000;
/** Telegram keeps an undelivered update for 24 hours; one older than that is not handled after a restart. */
export const MAX_AGE_MS = 24 * 3_600_000;
/** The runs that may begin handling one update: the one that took it, and one more after a restart. */
export const MAX_ATTEMPTS = 2;
/** Updates are a few KB; a larger one is handled without being kept. */
const MAX_UPDATE_CHARS = 64 * 1024;

export class TelegramInbox {
  /** Updates this run is handling: a second delivery of one leaves its row alone. */
  private readonly open = new Set<number>();
  /** The answer marks of the rows of `open` (`answering`). */
  private readonly marks: AnswerRows;
  /** Updates of `open` set aside for the next start (`postpone`): the notice saying so may go once closed. */
  private readonly waiting = new Set<number>();
  /** Updates this run kept or judged too large to keep, until their handling ends. */
  private readonly recorded = new Set<number>();
  /** Album items, which end with their album rather than with their own update. */
  private readonly deferred = new WeakSet<Context>();
  private closed = false;
  /**
   * Updates whose row is kept short of its last try: written by this run, or an earlier run's tried once. Should the
   * inbox close while one is handled, its row stays, and the next start handles it again.
   */
  private readonly triedAgain = new Set<number>();

  /** Updates whose request waits for the next start (`postpone`): their rows stay when their handling ends. */
  private readonly postponedUpdates = new WeakSet<Context>();
  private readonly setAside = new Set<number>();
  /** Album items being gathered or handled (`defer`), by chat and album: set aside together. */
  private readonly albums = new Map<string, Set<Context>>();
  /** Messages set aside (`chat:message`) → the update that carries them to the next start. */
  private readonly setAsideMessages = new Map<string, number>();
  /** Messages being handled (`chat:message`), until their handling ends: an edit of one waits for it (`inTurn`). */
  private readonly openMessages = new Map<string, { ctx: Context; ended: Promise<void>; end: () => void }>();
  /** The order updates reached `handle` in, which is the order they enter their chat's turns in. */
  private readonly arrival = new WeakMap<Context, number>();
  private arrivals = 0;
  /** Edits of album items still being handled (`chat:message`): they end with the album, set aside with it or not. */
  private readonly albumEdits = new Map<string, Context[]>();

  constructor(
    private readonly store: Pick<UpdateInbox, 'add' | 'remove' | 'takeLeftovers' | 'postpone'> & MarkStore,
    private readonly log: Pick<Logger, 'info' | 'warn' | 'error'>,
    private readonly now: () => number = Date.now,
  ) {
    this.marks = new AnswerRows(store, log);
  }

  /** Keeps a fetched batch, before it is handled (polling). */
  received(updates: readonly Update[]): void {
    this.keep(updates.filter((u) => !this.recorded.has(u.update_id)));
  }

  /**
   * What an earlier run left, to be handled before anything new, in arrival order; the ones given up are logged, and
   * returned (their update when it can be read) so that Telegram's own second delivery of them is not handled either
   * and their senders can be told. Their rows are gone by then: telling them cannot be tried twice. Those whose answer
   * began (`answering`) are not handled again (answers-begun.ts): only their ids are returned, for the same reason.
   */
  leftovers(): {
    replay: Update[];
    givenUp: Array<{ updateId: number; update?: Update }>;
    answered: number[];
  } {
    const { retry, givenUp, answered, expired } = this.store.takeLeftovers({
      now: this.now(),
      keep: KEPT,
      maxAgeMs: MAX_AGE_MS,
      maxAttempts: MAX_ATTEMPTS,
    });
    for (const entry of givenUp)
      this.log.error(
        { update: entry.updateId, attempts: entry.attempts, kind: kindOf(entry.body) },
        'telegram update given up: the process stopped while handling it each time',
      );
    if (expired > 0)
      this.log.warn({ updates: expired }, 'telegram updates left by an earlier run were too old to handle');
    if (answered.length > 0)
      this.log.warn(
        { updates: answered.map((e) => e.updateId) },
        'telegram updates whose answer was being sent when the process stopped: not handled again (an answer may be missing, none is doubled)',
      );
    const replay: Update[] = [];
    for (const entry of retry) {
      this.recorded.add(entry.updateId);
      if (entry.attempts < MAX_ATTEMPTS) this.triedAgain.add(entry.updateId);
      replay.push(JSON.parse(entry.body) as Update);
    }
    if (replay.length > 0)
      this.log.info(
        { updates: replay.length },
        'telegram updates left by an earlier run: handling them first',
      );
    return {
      replay,
      givenUp: givenUp.map((e) => ({ updateId: e.updateId, update: parsed(e.body) })),
      answered: answered.map((e) => e.updateId),
    };
  }

  /**
   * A try of a message answering these updates is about to leave (answers-begun.ts): each that this run is handling
   * and keeps is marked so; the next start will not handle it again. A write that fails leaves it as it was (handled
   * again after a crash, as before); a request set aside for the next start is never marked (src/jobs/inbox.ts).
   * Once closed nothing is written: false (hold the try back) when the next start would handle one of them, its row
   * neither marked nor set aside with its notice going now; that start's answer is then the only one.
   */
  answering(updateIds: readonly number[]): boolean {
    const kept = updateIds.filter((id) => this.open.has(id) && this.recorded.has(id));
    if (this.closed) return kept.every((id) => this.marks.isMarked(id) || this.waiting.has(id));
    this.marks.leaving(kept);
    return true;
  }

  /** That try ended (answers-begun.ts): one Telegram refused takes the marks back that nothing else holds. */
  tryEnded(updateIds: readonly number[], mayHavePosted: boolean): void {
    this.marks.ended(updateIds, mayHavePosted, !this.closed);
  }

  /**
   * Middleware, once per delivery: `first` says whether this run sees the update for the first time. A first
   * delivery is kept (unless it was already) and removed when its handling ends; a later one is dropped, and its row
   * with it unless the first is still being handled.
   */
  async handle(ctx: Context, next: NextFunction, first: boolean): Promise<void> {
    const id = ctx.update.update_id;
    if (!first) {
      if (!this.open.has(id) && !this.setAside.has(id)) this.remove(id);
      return;
    }
    if (!this.recorded.has(id)) this.keep([ctx.update]);
    this.open.add(id);
    this.arrival.set(ctx, ++this.arrivals);
    if (ctx.message) this.opened(ctx, ctx.message);
    try {
      await next();
    } finally {
      if (!this.deferred.has(ctx)) this.finished([ctx]);
    }
  }

  /**
   * Middleware in the update's chat turn (the chat's earlier updates were handled): an edit of a message set aside
   * takes its place (`editSetAside`) and needs no other handling. The message may still be finishing its handling,
   * which decides whether it is set aside: the edit waits for that. An album item's album ends apart from its chat's
   * order (it may still be gathering, and stopping hands it over only once the handlers are done): an edit of one
   * waits with the album instead, its handling ending with it; it asks nothing of its own (edits.ts leaves album
   * items alone).
   */
  async inTurn(ctx: Context, next: NextFunction): Promise<void> {
    const edited = ctx.editedMessage;
    const original = edited && this.openMessages.get(messageKey(edited));
    if (edited && original && this.deferred.has(original.ctx)) {
      this.deferred.add(ctx);
      const key = messageKey(edited);
      this.albumEdits.set(key, [...(this.albumEdits.get(key) ?? []), ctx]);
      return;
    }
    // Only a message ahead of the edit in its chat's turns is waited for: one behind it (delivered again after it)
    // waits for the edit's turn to end.
    if (original && (this.arrival.get(original.ctx) ?? 0) < (this.arrival.get(ctx) ?? 0))
      await original.ended;
    if (!this.editSetAside(ctx)) await next();
  }

  /** The update's handling goes on after its middleware returns (an album item): `finished` ends it. */
  defer(ctx: Context): void {
    this.deferred.add(ctx);
    const album = albumOf(ctx);
    if (album === undefined) return;
    const items = this.albums.get(album) ?? new Set<Context>();
    this.albums.set(album, items.add(ctx));
  }

  /**
   * The update's request is left for the next start (the queue refused it only because the bot is stopping): true
   * when its row is kept for it, false when it is not (too large, never written), and the refusal stands. Its row
   * stays when its handling ends, counted as never tried: this run did not die handling it. An album item's album
   * goes whole: every item's row is kept, or the refusal stands (an item left behind would be tried as often as the
   * run that died, and the album run without it). Once the inbox closed (a handler that outlived the stop's wait),
   * rows are left as they are: one short of its last try is handled at the next start all the same, so the request
   * is said to wait for it, not refused ("try again" would have it run twice); one at its last try is given up there,
   * and one whose answer had begun (`answering`) is not handled there at all: both keep the refusal.
   */
  postpone(ctx: Context): boolean {
    const album = albumOf(ctx);
    const items = [...((album !== undefined && this.albums.get(album)) || [ctx])];
    const ids = items.map((item) => item.update.update_id);
    if (!ids.every((id) => this.open.has(id))) return false;
    // A row marked as being answered is dropped at the next start whatever its tries: that request would not wait.
    if (this.closed && !ids.every((id) => this.triedAgain.has(id) && !this.marks.isMarked(id))) return false;
    if (!this.closed) for (const id of ids) if (!this.postponeRow(id)) return false;
    for (const item of items) this.postponedUpdates.add(item);
    for (const id of ids) this.waiting.add(id);
    return true;
  }

  /**
   * What is said instead of a refusal only for stopping (`refusedForStopping`), if anything: that the request waits
   * for the next start. A new message is set aside for it (`postpone`); any update is once its handling outlived the
   * inbox (a press, an edit: their rows are left for the next start then, as by a crash).
   */
  insteadOfStopping(ctx: Context, reply: Reply): Reply | undefined {
    if (!refusedForStopping(reply)) return undefined;
    const waits = ctx.message ? this.postpone(ctx) : this.waitsForNextStart(ctx);
    return waits ? textReply('job.postponed_restart') : undefined;
  }

  /**
   * Whether the next start handles the update (again), so that what this run still says of it must say so: its
   * request set aside (`postpone`), or its handling outlived the inbox, its row left short of its last try.
   */
  waitsForNextStart(ctx: Context): boolean {
    return this.postponedUpdates.has(ctx) || (this.closed && this.postpone(ctx));
  }

  /** The handling of these updates ended (an album's items together). */
  finished(contexts: readonly Context[]): void {
    for (const ctx of contexts) {
      const id = ctx.update.update_id;
      this.open.delete(id);
      this.marks.forget(id);
      this.waiting.delete(id);
      const album = albumOf(ctx);
      if (album !== undefined) this.albums.get(album)?.delete(ctx);
      if (album !== undefined && this.albums.get(album)?.size === 0) this.albums.delete(album);
      if (!this.postponedUpdates.has(ctx)) this.remove(id);
      else {
        this.setAside.add(id);
        if (ctx.message) this.setAsideMessages.set(messageKey(ctx.message), id);
      }
      if (ctx.message) this.closedMessage(ctx, ctx.message);
    }
  }

  private opened(ctx: Context, message: Message): void {
    let end = () => {};
    const ended = new Promise<void>((resolve) => {
      end = resolve;
    });
    this.openMessages.set(messageKey(message), { ctx, ended, end });
  }

  /** The message's handling ended, set aside or not: the edits that waited for it are handled. */
  private closedMessage(ctx: Context, message: Message): void {
    const key = messageKey(message);
    const entry = this.openMessages.get(key);
    if (entry?.ctx !== ctx) return;
    this.openMessages.delete(key);
    entry.end();
    const edits = this.albumEdits.get(key) ?? [];
    this.albumEdits.delete(key);
    for (const edit of edits) {
      this.editSetAside(edit);
      this.finished([edit]);
    }
  }

  /**
   * An edit of a message set aside for the next start takes its place there: kept as that message, edited, under the
   * edit's update_id (Telegram's second delivery of either is then a repeat), and the row of the original goes.
   * True when the edit was so kept, and needs no other handling; false when it is no such edit, or the store refused
   * (the original stays, and runs as it was sent).
   */
  private editSetAside(ctx: Context): boolean {
    const edited = ctx.editedMessage;
    const original = edited && this.setAsideMessages.get(messageKey(edited));
    if (!edited || original === undefined || this.closed) return false;
    const id = ctx.update.update_id;
    const body = JSON.stringify({ update_id: id, message: edited });
    if (body.length > MAX_UPDATE_CHARS) return false;
    try {
      // Its row as the edit arrived goes first: a row is never written over.
      this.store.remove(id);
      this.store.add([{ updateId: id, body }], this.now(), KEPT);
      if (!this.store.postpone(id)) return false;
    } catch (error) {
      this.log.warn({ err: error, update: id }, 'telegram edit of a request set aside not kept');
      return false;
    }
    this.postponedUpdates.add(ctx);
    this.setAsideMessages.set(messageKey(edited), id);
    this.setAside.delete(original);
    // Should this fail, both are handled at the next start: the original first, the edit then a repeat of it.
    this.remove(original);
    return true;
  }

  /** The store is about to close: updates still being handled stay kept, for the next start. */
  close(): void {
    this.closed = true;
  }

  private keep(updates: readonly Update[]): void {
    if (this.closed || updates.length === 0) return;
    const rows: Array<{ updateId: number; body: string }> = [];
    for (const update of updates) {
      this.recorded.add(update.update_id);
      const body = JSON.stringify(update);
      if (body.length <= MAX_UPDATE_CHARS) rows.push({ updateId: update.update_id, body });
      else
        this.log.warn({ update: update.update_id, chars: body.length }, 'telegram update too large to keep');
    }
    try {
      this.store.add(rows, this.now(), KEPT);
      for (const row of rows) this.triedAgain.add(row.updateId);
    } catch (error) {
      // A full disk must not stop the bot from hearing Telegram: the updates are handled, only not kept.
      this.log.warn(
        { err: error, updates: rows.length },
        'telegram updates not kept: a crash would lose them',
      );
    }
  }

  private postponeRow(id: number): boolean {
    if (this.closed) return false;
    try {
      return this.store.postpone(id);
    } catch (error) {
      this.log.warn({ err: error, update: id }, 'telegram update not kept for the next start');
      return false;
    }
  }

  private remove(id: number): void {
    this.recorded.delete(id);
    this.marks.forget(id);
    if (this.closed) return;
    this.triedAgain.delete(id);
    try {
      this.store.remove(id);
    } catch (error) {
      this.log.warn({ err: error, update: id }, 'telegram update not removed from the inbox');
    }
  }
}

/**
 * Whether a reply says only that the bot is stopping: the queue refused the request for that alone (no job was made,
 * nothing else was said), so the request can wait for the next start instead.
 */
export function refusedForStopping(reply: Reply): boolean {
  const [line, ...others] = reply.text;
  return (
    line?.key === 'errors.queue.stopping' &&
    others.length === 0 &&
    reply.jobId === undefined &&
    (reply.more ?? []).length === 0 &&
    (reply.images ?? []).length === 0
  );
}

/** An album item's album (`chat:media_group_id`). */
function albumOf(ctx: Context): string | undefined {
  const album = ctx.message?.media_group_id;
  return album === undefined ? undefined : `${ctx.message?.chat.id}:${album}`;
}

function messageKey(message: { chat: { id: number }; message_id: number }): string {
  return `${message.chat.id}:${message.message_id}`;
}

function parsed(body: string): Update | undefined {
  try {
    return JSON.parse(body) as Update;
  } catch {
    return undefined;
  }
}

/** What kind of update a kept one is (message, callback_query…), for the log: never what it says. */
function kindOf(body: string): string | undefined {
  try {
    return Object.keys(JSON.parse(body) as object).find((key) => key !== 'update_id');
  } catch {
    return undefined;
  }
}
