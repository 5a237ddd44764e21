// Users an admin has blocked from the bot (`/block`), by owner key (`platform:userId`), with who blocked them, when
// and why. Kept in the job store's database, so a block outlives a restart. With a shared queue (QUEUE_URL) each
// front-end keeps its own list, as it keeps its own user settings: a block holds for the events the front-end that
// took the /block handles, not for those another front-end claims.
import type Database from 'better-sqlite3';

export const BLOCKS_SCHEMA = `
CREATE TABLE IF NOT EXISTS blocked_users (
  user TEXT PRIMARY KEY,
  blocked_by TEXT NOT NULL,
  blocked_at INTEGER NOT NULL,
  reason TEXT
);
`;

export interface BlockEntry {
  /** The blocked user's owner key (`telegram:123`). */
  user: string;
  /** The admin's owner key. */
  by: string;
  /** When, in ms since the epoch. */
  at: number;
  reason?: string;
}

type Row = { user: string; blocked_by: string; blocked_at: number; reason: string | null };

const entryOf = (row: Row): BlockEntry => ({
  user: row.user,
  by: row.blocked_by,
  at: row.blocked_at,
  ...(row.reason ? { reason: row.reason } : {}),
});

export class BlockList {
  constructor(private readonly db: Database.Database) {
    db.exec(BLOCKS_SCHEMA);
  }

  /** Blocks a user, or changes who, when and why when they already are. */
  block(entry: BlockEntry): void {
    this.db
      .prepare(
        `INSERT INTO blocked_users (user, blocked_by, blocked_at, reason) VALUES (?, ?, ?, ?)
         ON CONFLICT(user) DO UPDATE SET blocked_by = excluded.blocked_by, blocked_at = excluded.blocked_at,
         reason = excluded.reason`,
      )
      .run(entry.user, entry.by, entry.at, entry.reason ?? null);
  }

  /** Lifts a block; false when the user was not blocked. */
  unblock(user: string): boolean {
    return this.db.prepare('DELETE FROM blocked_users WHERE user = ?').run(user).changes > 0;
  }

  /** The block on a user, if any (one primary-key lookup: every event of every user asks). */
  get(user: string): BlockEntry | undefined {
    const row = this.db.prepare('SELECT * FROM blocked_users WHERE user = ?').get(user) as Row | undefined;
    return row ? entryOf(row) : undefined;
  }

  /** Every blocked user of a platform (`telegram`), newest block first. */
  list(platform: string): BlockEntry[] {
    const rows = this.db
      .prepare('SELECT * FROM blocked_users WHERE user LIKE ? ORDER BY blocked_at DESC, user')
      .all(`${platform}:%`) as Row[];
    return rows.map(entryOf);
  }
}
