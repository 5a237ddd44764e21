// Where each chat job's status message lives, and which finished jobs never reached their owner. Kept apart from the
// job body: an adapter writes it after the job exists (the status message id is known only once it is sent), and
// a restart reads it to go on editing that message.
import type Database from 'better-sqlite3';
import type { Job, Owner } from './types.js';
import { ownerKey } from './types.js';

export const DELIVERIES_SCHEMA = `
CREATE TABLE IF NOT EXISTS deliveries (
  job_id TEXT PRIMARY KEY,
  place TEXT,
  undelivered INTEGER NOT NULL DEFAULT 0
);
`;

/** 0: nothing to tell; 1: undelivered, owner not yet told; 2: undelivered, told once (still listed in /queue). */
const NOT_TOLD = 1;
const TOLD = 2;

export class DeliveryLog {
  constructor(private readonly db: Database.Database) {
    db.exec(DELIVERIES_SCHEMA);
  }

  /** Remembers where a job's status message is (platform ids), for edits after a restart. */
  remember(jobId: string, place: Record<string, unknown>): void {
    this.db
      .prepare(
        'INSERT INTO deliveries (job_id, place) VALUES (?, ?) ON CONFLICT(job_id) DO UPDATE SET place = excluded.place',
      )
      .run(jobId, JSON.stringify(place));
  }

  placeOf(jobId: string): Record<string, unknown> | undefined {
    const row = this.db.prepare('SELECT place FROM deliveries WHERE job_id = ?').get(jobId) as
      | { place: string | null }
      | undefined;
    return row?.place ? (JSON.parse(row.place) as Record<string, unknown>) : undefined;
  }

  /** Neither the status message nor a reply to the user could carry the job's ending. */
  markUndelivered(jobId: string): void {
    this.db
      .prepare(
        'INSERT INTO deliveries (job_id, undelivered) VALUES (?, ?) ON CONFLICT(job_id) DO UPDATE SET undelivered = excluded.undelivered',
      )
      .run(jobId, NOT_TOLD);
  }

  /** The owner's undelivered jobs, newest first; `untoldOnly` for those not yet mentioned to them. */
  undeliveredOf(owner: Owner, untoldOnly = false): Job[] {
    const rows = this.db
      .prepare(
        `SELECT j.body FROM deliveries d JOIN jobs j ON j.id = d.job_id
         WHERE j.owner = ? AND d.undelivered ${untoldOnly ? '= 1' : '> 0'} ORDER BY j.seq DESC LIMIT 20`,
      )
      .all(ownerKey(owner)) as Array<{ body: string }>;
    return rows.map((r) => JSON.parse(r.body) as Job);
  }

  markTold(jobIds: readonly string[]): void {
    const told = this.db.prepare(
      'UPDATE deliveries SET undelivered = ? WHERE job_id = ? AND undelivered > 0',
    );
    for (const id of jobIds) told.run(TOLD, id);
  }

  /** The owner got the result after all (fetched it from /queue). */
  clear(jobId: string): void {
    this.db.prepare('UPDATE deliveries SET undelivered = 0 WHERE job_id = ?').run(jobId);
  }
}
