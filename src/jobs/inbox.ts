// A chat platform's updates taken but not yet handled (Telegram's: polling confirms an update when it fetches the
// next batch, before the update is handled), kept in the job store's database so that a process killed while
// handling one hands it to the next start instead of losing it. A row lives from the update's arrival until its
// handling ends; what an earlier run left is taken once, at start. Bounded: the `keep` most recent rows, none older
// than the start's `maxAgeMs`, each at most `maxAttempts` times handled, so an update whose handling kills the
// process every time is given up rather than tried forever. An update set aside for the next start on purpose (the
// process was stopping and could not take its request) is not counted as tried: that run ended cleanly.
import type Database from 'better-sqlite3';

export const INBOX_SCHEMA = `
CREATE TABLE IF NOT EXISTS inbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  update_id INTEGER NOT NULL UNIQUE,
  received_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  body TEXT NOT NULL
);
`;

/** An update as kept: the platform's id, its JSON, when it arrived (ms) and how many runs began handling it. */
export interface InboxEntry {
  updateId: number;
  body: string;
  receivedAt: number;
  attempts: number;
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

/** What an earlier run left, taken at start: to handle again (in arrival order), given up, and forgotten as old. */
export interface Leftovers {
  retry: InboxEntry[];
  givenUp: InboxEntry[];
  expired: number;
}

interface Row {
  update_id: number;
  body: string;
  received_at: number;
  attempts: number;
}

export class UpdateInbox {
  // Prepared once: an insert and a delete per update is the whole cost of the inbox on the hot path.
  private readonly insert: Database.Statement<[number, number, string]>;
  private readonly trim: Database.Statement<[number]>;
  private readonly delete: Database.Statement<[number]>;
  private readonly untried: Database.Statement<[number]>;

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
    this.untried = db.prepare<[number]>('UPDATE inbox SET attempts = 0 WHERE update_id = ?');
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
   * The update is left for the next start on purpose, its handling ended cleanly: it stays, counted as never tried.
   * False when it is not kept (too large, or the write failed when it arrived).
   */
  postpone(updateId: number): boolean {
    return this.untried.run(updateId).changes > 0;
  }

  /**
   * Takes what an earlier run left (one transaction): rows past `keep` or `maxAgeMs` are forgotten, those handled
   * `maxAttempts` times are given up (removed), and the others, counted as handled once more, are returned to be
   * handled again; their rows stay until that handling ends.
   */
  takeLeftovers({ now, keep, maxAgeMs, maxAttempts }: InboxLimits): Leftovers {
    return this.db.transaction(() => {
      this.trim.run(Math.max(0, keep - 1));
      const expired = this.db.prepare('DELETE FROM inbox WHERE received_at < ?').run(now - maxAgeMs).changes;
      const rows = this.db
        .prepare('SELECT update_id, body, received_at, attempts FROM inbox ORDER BY seq')
        .all() as Row[];
      const entries = rows.map(
        (r): InboxEntry => ({
          updateId: r.update_id,
          body: r.body,
          receivedAt: r.received_at,
          attempts: r.attempts,
        }),
      );
      const givenUp = entries.filter((e) => e.attempts >= maxAttempts);
      for (const entry of givenUp) this.delete.run(entry.updateId);
      const retry = entries.filter((e) => e.attempts < maxAttempts);
      const bump = this.db.prepare('UPDATE inbox SET attempts = attempts + 1 WHERE update_id = ?');
      for (const entry of retry) {
        bump.run(entry.updateId);
        entry.attempts += 1;
      }
      return { retry, givenUp, expired };
    })();
  }

  /** How many updates are kept (tests, and the log at start). */
  get size(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM inbox').get() as { n: number }).n;
  }
}
