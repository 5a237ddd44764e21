// Opening DATA_DIR/jobs.sqlite. A database this code cannot trust is refused before anything reads or writes it,
// with one line naming the file and what the operator can do, and nothing in it changed: a damaged file (not a
// database, truncated, a page overwritten), or one a newer bot has migrated past what this code knows (its tables
// may mean something else now, and migrating "back" would lose what the newer bot wrote). A torn or stale
// -wal/-shm beside a sound file is SQLite's own to recover: it replays the whole transactions and drops the rest.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DataDirError, dataDirError } from '../data-dir.js';
import { BLOCKS_SCHEMA } from './blocks.js';
import { DELIVERIES_SCHEMA } from './deliveries.js';
import { addAnsweringColumn, INBOX_SCHEMA_V1 } from './inbox.js';
import { QUESTIONS_SCHEMA } from './questions.js';

/**
 * The schema version this code writes (`PRAGMA user_version`). A database without one (0) was made before versions
 * were kept and holds version 1's tables. Whoever changes a table adds the step to `MIGRATIONS` and raises it.
 */
export const SCHEMA_VERSION = 2;

const JOBS_SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL UNIQUE,
  owner TEXT NOT NULL,
  scope TEXT NOT NULL,
  status TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status, seq);
-- A user's jobs (history pages, a .. re-run's latest, /info) without reading every user's.
CREATE INDEX IF NOT EXISTS jobs_owner ON jobs(owner, seq);
CREATE TABLE IF NOT EXISTS fairness (user TEXT PRIMARY KEY, counter REAL NOT NULL);
-- The counter a user without a row starts from (fair-counters.ts): one row.
CREATE TABLE IF NOT EXISTS fairness_floor (id INTEGER PRIMARY KEY CHECK (id = 1), floor REAL NOT NULL);
CREATE TABLE IF NOT EXISTS settings (user TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS calibration (device TEXT PRIMARY KEY, ms_per_unit REAL NOT NULL, samples INTEGER NOT NULL);
`;

/**
 * The step from version i to i + 1, each in one transaction with the version it reaches. Every table is made by
 * the first, so a later step finds the tables it changes, in a new database too.
 */
const MIGRATIONS: ReadonlyArray<(db: Database.Database) => void> = [
  // 0 → 1: every table as the bot made them before versions were kept; IF NOT EXISTS, as a version-0 database
  // from a running bot has them already.
  (db) => {
    for (const schema of [JOBS_SCHEMA, DELIVERIES_SCHEMA, BLOCKS_SCHEMA, QUESTIONS_SCHEMA, INBOX_SCHEMA_V1])
      db.exec(schema);
  },
  // 1 → 2: the inbox says whether an update's answer began (a crash then must not answer it twice).
  addAnsweringColumn,
];

export const DATABASE_FILE = 'jobs.sqlite';

/** Opens, checks and migrates `dataDir`'s job database, or throws DataDirError (one line) without changing it. */
export function openJobDatabase(dataDir: string): Database.Database {
  const file = join(dataDir, DATABASE_FILE);
  const version = existsSync(file) ? check(dataDir, file) : 0;
  let db: Database.Database | undefined;
  try {
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    migrate(db, version);
    return db;
  } catch (error) {
    db?.close();
    if (isDamage(error)) throw damaged(dataDir, (error as Error).message, error);
    // Any other refusal of the file (it cannot be opened, the disk is full, read-only): one line naming it, not a
    // stack trace after the model loaded.
    if (isSqliteError(error)) throw dataDirError(dataDir, error, file);
    throw error;
  }
}

/**
 * Throws what `openJobDatabase` would (a damaged file, a newer schema) without opening it for writing: a start checks
 * this before loading the model (minutes for the real checkpoint), so the refusal does not wait for it.
 */
export function checkJobDatabase(dataDir: string): void {
  const file = join(dataDir, DATABASE_FILE);
  if (existsSync(file)) check(dataDir, file);
}

/**
 * The schema version of an existing database, once it is known to be sound and not newer than this code. Read
 * only: the last read-write connection to close would move its -wal into it (a checkpoint), changing a file the
 * operator is told was left as it was.
 */
function check(dataDir: string, file: string): number {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) throw tooNew(dataDir, version);
    // The pages a start reads later (an old job's row) are checked now, so a damaged file stops the start instead
    // of failing one command in ten. Cheap: 30 ms for 40,000 jobs.
    const problem = db.pragma('quick_check(1)', { simple: true });
    if (problem !== 'ok') throw damaged(dataDir, oneLine(String(problem)));
    return version;
  } catch (error) {
    if (isDamage(error)) throw damaged(dataDir, (error as Error).message, error);
    // Reading a WAL database needs room for its -shm: on a nearly full disk the open is refused there
    // (SQLITE_IOERR_SHMSIZE). One line naming the file, as openJobDatabase says it, not a stack trace.
    if (isSqliteError(error)) throw dataDirError(dataDir, error, file);
    throw error;
  } finally {
    db?.close();
  }
}

function migrate(db: Database.Database, from: number): void {
  for (let version = from; version < SCHEMA_VERSION; version++) {
    db.transaction(() => {
      (MIGRATIONS[version] as (db: Database.Database) => void)(db);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}

/** SQLite's word for a file that is not a sound database (its extended codes: SQLITE_CORRUPT_INDEX, …). */
function isDamage(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return (
    typeof code === 'string' &&
    (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_IOERR_SHORT_READ')
  );
}

function isSqliteError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_');
}

/** quick_check's first finding, without the header SQLite puts above it. */
function oneLine(finding: string): string {
  return finding
    .replace(/\*\*\* in database \w+ \*\*\*/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

function damaged(dataDir: string, why: string, cause?: unknown): DataDirError {
  const file = join(dataDir, DATABASE_FILE);
  return new DataDirError(
    `DATA_DIR=${dataDir}: its job database ${file} is damaged (${why}); the bot left it as it is and will not start on it. Restore it from a backup, salvage what is left (sqlite3 ${DATABASE_FILE} .recover | sqlite3 recovered.sqlite, then put that in its place), or move it and any ${DATABASE_FILE}-wal and ${DATABASE_FILE}-shm beside it aside to start with an empty queue.`,
    { cause },
  );
}

function tooNew(dataDir: string, version: number): DataDirError {
  const file = join(dataDir, DATABASE_FILE);
  return new DataDirError(
    `DATA_DIR=${dataDir}: its job database ${file} was written by a newer dimoo-bot (schema ${version}; this one knows up to ${SCHEMA_VERSION}); the bot left it as it is and will not start on it. Run the newer version again, or restore a backup this version made.`,
  );
}
