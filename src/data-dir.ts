// DATA_DIR must take writes before anything else starts: the model would load for a minute and the first job would
// then fail on its database or files. One line naming the variable says what to fix. It also belongs to one process:
// a second bot on it would take the same queue, run its jobs again and sweep the first one's files.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';

export class DataDirError extends Error {}

/** The file whose lock says that a bot runs on this DATA_DIR. */
export const LOCK_FILE = 'bot.lock';

export interface DataDirLock {
  release(): void;
}

/**
 * Holds DATA_DIR for this process until `release()` or its end, or throws DataDirError (one line) when another
 * process holds it. The lock is SQLite's own on `bot.lock` (a write lock kept open, never a pid in a file): the
 * system drops it when its process ends, however it ends, so a crash leaves nothing stale to clean up, and it is
 * seen by every process on this machine, a container sharing the volume included.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const file = join(dataDir, LOCK_FILE);
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { timeout: 0 });
    // Kept to the end: the lock of the first write transaction is held until the connection closes. Nothing is
    // ever written: the journal stays in memory, no file beside it.
    db.pragma('journal_mode = MEMORY');
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db?.close();
    const code = (error as { code?: string }).code;
    if (code === 'SQLITE_BUSY')
      throw new DataDirError(
        `DATA_DIR=${shown(dataDir)} is in use by another dimoo-bot (it holds ${file}): two bots on one DATA_DIR would run the same jobs twice. Stop the other one, or give this one a DATA_DIR of its own.`,
      );
    throw new DataDirError(`DATA_DIR=${shown(dataDir)} ${dataDirProblem(code, error)}`);
  }
  const held = db;
  return { release: () => held.close() };
}

/** Creates DATA_DIR if needed and proves it writable with a probe file; throws DataDirError (one line) otherwise. */
export function assertWritableDataDir(dataDir: string): void {
  const probe = join(dataDir, `.write-probe-${process.pid}`);
  try {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(probe, 'ok');
    rmSync(probe, { force: true });
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new DataDirError(`DATA_DIR=${shown(dataDir)} ${dataDirProblem(code, error)}`);
  }
}

/** The folder as set, and where that is when it was relative. */
function shown(dataDir: string): string {
  const absolute = resolve(dataDir);
  return absolute === dataDir ? dataDir : `${dataDir} (${absolute})`;
}

/** What is wrong with DATA_DIR, from the error code of a write there, and what to do about it. */
export function dataDirProblem(code: string | undefined, error?: unknown): string {
  const full = code === 'ENOSPC' || code === 'EDQUOT';
  const why =
    code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
      ? 'is not writable'
      : full
        ? 'has no free space'
        : code === 'ENOTDIR' || code === 'EEXIST'
          ? 'is not a folder'
          : `cannot be written (${code ?? (error instanceof Error ? error.message : String(error))})`;
  // A full disk is not fixed by another folder on it: the advice follows the cause.
  const fix = full
    ? 'Free some space on its disk, or point DATA_DIR at a folder on a disk with room.'
    : 'Point DATA_DIR at a writable folder.';
  return `${why}: the bot keeps its job database and files there. ${fix}`;
}
