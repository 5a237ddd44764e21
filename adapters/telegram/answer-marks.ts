// The inbox rows' answer marks, kept per try of a message answering their update (answers-begun.ts says the rule):
// a try about to leave marks the row; the mark is taken back once no try is in flight and none may have posted.
// TelegramInbox says which rows this run may mark (the ones it handles and keeps, while the store is open).
import type { UpdateInbox } from '../../src/jobs/index.js';
import type { Logger } from '../../src/log.js';

/** The store's side: `answering` marks a row, `notAnswering` takes the mark back. */
export type MarkStore = Pick<UpdateInbox, 'answering' | 'notAnswering'>;

export class AnswerRows {
  /** Rows marked (or whose mark was tried: a write that failed leaves the row as it was, handled again). */
  private readonly marked = new Set<number>();
  /** Tries in flight per update. */
  private readonly tries = new Map<number, number>();
  /** Updates a try may have posted to: their mark stays for good. */
  private readonly posted = new Set<number>();

  constructor(
    private readonly store: MarkStore,
    private readonly log: Pick<Logger, 'warn'>,
  ) {}

  isMarked(updateId: number): boolean {
    return this.marked.has(updateId);
  }

  /** A try answering these updates (rows this run handles and keeps) is about to leave. */
  leaving(updateIds: readonly number[]): void {
    for (const id of updateIds) {
      this.tries.set(id, (this.tries.get(id) ?? 0) + 1);
      if (this.marked.has(id)) continue;
      this.marked.add(id);
      try {
        this.store.answering(id);
      } catch (error) {
        this.log.warn({ err: error, update: id }, 'telegram update not marked as being answered');
      }
    }
  }

  /** A try counted by `leaving` ended; `writable`: the store still takes writes (the inbox is open). */
  ended(updateIds: readonly number[], mayHavePosted: boolean, writable: boolean): void {
    for (const id of updateIds) {
      const tries = this.tries.get(id);
      if (tries === undefined) continue;
      if (tries > 1) this.tries.set(id, tries - 1);
      else this.tries.delete(id);
      if (mayHavePosted) this.posted.add(id);
      else if (tries === 1 && !this.posted.has(id) && writable) this.takeBack(id);
    }
  }

  /** The update's handling ended: its row is gone or left for the next start as it is. */
  forget(updateId: number): void {
    this.marked.delete(updateId);
    this.tries.delete(updateId);
    this.posted.delete(updateId);
  }

  private takeBack(id: number): void {
    if (!this.marked.has(id)) return;
    try {
      this.store.notAnswering(id);
      this.marked.delete(id);
    } catch (error) {
      // Marked still: a crash now drops the update, as it would have before this try.
      this.log.warn({ err: error, update: id }, 'telegram update still marked as being answered');
    }
  }
}
