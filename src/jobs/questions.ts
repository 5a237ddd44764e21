// The questions a chat adapter asked and waits to hear answered (Telegram's Edit, Remix, Custom zoom and Vary
// (Region) questions, which the user answers by replying to the bot's message): which job the answer is about and
// whose answer counts. Kept in the job store's database, so a reply sent after a restart is answered as it would have
// been before; only the most recent are kept, as old questions are rarely answered.
import type Database from 'better-sqlite3';

export const QUESTIONS_SCHEMA = `
CREATE TABLE IF NOT EXISTS questions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  place TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  job_id TEXT NOT NULL,
  user_id TEXT NOT NULL
);
`;

/** An open question: what it asks (an ask kind of commands/reply.ts), about which job, and whose answer it waits for. */
export interface OpenQuestion {
  kind: string;
  jobId: string;
  userId: string;
}

export class QuestionLog {
  constructor(private readonly db: Database.Database) {
    db.exec(QUESTIONS_SCHEMA);
  }

  /**
   * Remembers the question at `place` (the adapter's own key: its platform, chat and message), forgetting all but
   * the `keep` most recent.
   */
  remember(place: string, question: OpenQuestion, keep: number): void {
    this.db.transaction(() => {
      const { kind, jobId, userId } = question;
      this.db
        .prepare('INSERT OR REPLACE INTO questions (place, kind, job_id, user_id) VALUES (?, ?, ?, ?)')
        .run(place, kind, jobId, userId);
      this.db
        .prepare('DELETE FROM questions WHERE seq <= (SELECT MAX(seq) FROM questions) - ?')
        .run(Math.max(0, keep));
    })();
  }

  /** The question asked at `place`, while it is kept. */
  at(place: string): OpenQuestion | undefined {
    const row = this.db.prepare('SELECT kind, job_id, user_id FROM questions WHERE place = ?').get(place) as
      | { kind: string; job_id: string; user_id: string }
      | undefined;
    return row && { kind: row.kind, jobId: row.job_id, userId: row.user_id };
  }
}
