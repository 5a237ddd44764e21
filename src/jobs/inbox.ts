// A chat platform's updates taken but not yet handled (Telegram's: polling confirms an update when it fetches the
// next batch, before the update is handled), kept in the job store's database so that a process killed while
// handling one hands it to the next start instead of losing it. A row lives from the update's arrival until its
// handling ends; what an earlier run left is taken once, at start. Bounded: the `keep` most recent rows, none older
// than the start's `maxAgeMs`, each at most `maxAttempts` times handled, so an update whose handling kills the
// process every time is given up rather than tried forever. An update set aside for the next start on purpose (the
// process was stopping and could not take its request) is not counted as tried: that run ended cleanly.
// A row also says whether its answer began (`answering`: the first message answering it went out): such an update is
// not handled again, since no platform says whether a message in flight when the process died arrived. Handling it
// again could answer twice; not handling it may leave it unanswered. The adapter chooses the latter
// (adapters/telegram/answers-begun.ts says why).
import type Database from 'better-sqlite3';

/** The table as the bot made it before schema versions were kept (database.ts: the step to version 1). */
export const INBOX_SCHEMA_V1 = `
CREATE TABLE IF NOT EXISTS inbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  update_id INTEGER NOT NULL UNIQUE,
  received_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  body TEXT NOT NULL
);
`;

/**
 * The step to version 2 (database.ts): whether an update's answer began. Kept rows are not begun. A table that has
 * the column already (a current database whose version was set back by hand) is left as it is.
 */
export function addAnsweringColumn(db: Database.Database): void {
  const columns = db.prepare("SELECT name FROM pragma_table_info('inbox')").all() as Array<{ name: string }>;
  if (!columns.some((c) => c.name === 'answering'))
    db.exec('ALTER TABLE inbox ADD COLUMN answering INTEGER NOT NULL DEFAULT 0');
}

/** The table as this code uses it (a database it opens was migrated to it; a bare one, in tests, is made so). */
const INBOX_SCHEMA = `
CREATE TABLE IF NOT EXISTS inbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  update_id INTEGER NOT NULL UNIQUE,
  received_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  body TEXT NOT NULL,
  answering INTEGER NOT NULL DEFAULT 0
);
`;

/**
 * An update as kept: the platform's id, its JSON, when it arrived (ms), how many runs began handling it, and whether
 * one began answering it.
 */
export interface InboxEntry {
  updateId: number;
  body: string;
  receivedAt: number;
  attempts: number;
  answering: boolean;
}

export interface InboxLimits {
  now: number;
  /** The most recent rows kept; older ones are forgotten. */
  keep: number;
  /** Rows that arrived longer ago than this are forgotten at start. */
  maxAgeMs: number;
  /** A row handled this many times already is given up instead of handled again. */
  maxAttempts: number;
}

/**
 * What an earlier run left, taken at start: to handle again (in arrival order), given up, answered already (not
 * handled again, whatever their attempts), and forgotten as old.
 */
export interface Leftovers {
  retry: InboxEntry[];
  givenUp: InboxEntry[];
  answered: InboxEntry[];
  expired: number;
}

interface Row {
  update_id: number;
  body: string;
  received_at: number;
  attempts: number;
  answering: number;
}

export class UpdateInbox {
  // Prepared once: an insert and a delete per update is the whole cost of the inbox on the hot path.
  private readonly insert: Database.Statement<[number, number, string]>;
  private readonly trim: Database.Statement<[number]>;
  private readonly delete: Database.Statement<[number]>;
  private readonly untried: Database.Statement<[number]>;
  private readonly answer: Database.Statement<[number]>;
  private readonly unanswer: Database.Statement<[number]>;

  constructor(private readonly db: Database.Database) {
    db.exec(INBOX_SCHEMA);
    // An update kept already (an earlier run's, handled again) keeps its attempts.
    this.insert = db.prepare<[number, number, string]>(
      'INSERT OR IGNORE INTO inbox (update_id, received_at, attempts, body) VALUES (?, ?, 1, ?)',
    );
    this.trim = db.prepare<[number]>(
      'DELETE FROM inbox WHERE seq < (SELECT seq FROM inbox ORDER BY seq DESC LIMIT 1 OFFSET ?)',
    );
    this.delete = db.prepare<[number]>('DELETE FROM inbox WHERE update_id = ?');
    // A request set aside runs whole at the next start: what was said of it before does not count.
    this.untried = db.prepare<[number]>('UPDATE inbox SET attempts = 0, answering = 0 WHERE update_id = ?');
    // A row set aside on purpose (attempts 0) is never marked: the notice that says so is no answer to its request.
    this.answer = db.prepare<[number]>(
      'UPDATE inbox SET answering = 1 WHERE update_id = ? AND attempts > 0 AND answering = 0',
    );
    this.unanswer = db.prepare<[number]>(
      'UPDATE inbox SET answering = 0 WHERE update_id = ? AND answering = 1',
    );
  }

  /** Keeps `updates` (one transaction), forgetting all but the `keep` most recent rows. */
  add(updates: ReadonlyArray<{ updateId: number; body: string }>, now: number, keep: number): void {
    if (updates.length === 0) return;
    this.db.transaction(() => {
      for (const { updateId, body } of updates) this.insert.run(updateId, now, body);
      this.trim.run(Math.max(0, keep - 1));
    })();
  }

  /** The update's handling ended. */
  remove(updateId: number): void {
    this.delete.run(updateId);
  }

  /**
   * A message answering the update is about to go out: from now on it is not handled again (`takeLeftovers`). One
   * write, before the message leaves. False when there is no row to mark (never kept, its handling ended, set aside on
   * purpose, or marked already).
   */
  answering(updateId: number): boolean {
    return this.answer.run(updateId).changes > 0;
  }

  /**
   * The message that marked the update never went out (the platform refused it, and no other may have posted): it is
   * handled again after a crash, as if nothing had begun. False when it was not marked.
   */
  notAnswering(updateId: number): boolean {
    return this.unanswer.run(updateId).changes > 0;
  }

  /**
   * The update is left for the next start on purpose, its handling ended cleanly: it stays, counted as never tried.
   * False when it is not kept (too large, or the write failed when it arrived).
   */
  postpone(updateId: number): boolean {
    return this.untried.run(updateId).changes > 0;
  }

  /**
   * Takes what an earlier run left (one transaction): rows past `keep` or `maxAgeMs` are forgotten, those whose
   * answer began are removed and returned as answered, those handled `maxAttempts` times are given up (removed), and
   * the others, counted as handled once more, are returned to be handled again; their rows stay until that handling
   * ends.
   */
  takeLeftovers({ now, keep, maxAgeMs, maxAttempts }: InboxLimits): Leftovers {
    return this.db.transaction(() => {
      this.trim.run(Math.max(0, keep - 1));
      const expired = this.db.prepare('DELETE FROM inbox WHERE received_at < ?').run(now - maxAgeMs).changes;
      const rows = this.db
        .prepare('SELECT update_id, body, received_at, attempts, answering FROM inbox ORDER BY seq')
        .all() as Row[];
      const entries = rows.map(
        (r): InboxEntry => ({
          updateId: r.update_id,
          body: r.body,
          receivedAt: r.received_at,
          attempts: r.attempts,
          answering: r.answering !== 0,
        }),
      );
      const answered = entries.filter((e) => e.answering);
      const givenUp = entries.filter((e) => !e.answering && e.attempts >= maxAttempts);
      for (const entry of [...answered, ...givenUp]) this.delete.run(entry.updateId);
      const retry = entries.filter((e) => !e.answering && e.attempts < maxAttempts);
      const bump = this.db.prepare('UPDATE inbox SET attempts = attempts + 1 WHERE update_id = ?');
      for (const entry of retry) {
        bump.run(entry.updateId);
        entry.attempts += 1;
      }
      return { retry, givenUp, answered, expired };
    })();
  }

  /** How many updates are kept (tests, and the log at start). */
  get size(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM inbox').get() as { n: number }).n;
  }
}
