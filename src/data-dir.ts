// DATA_DIR must take writes before anything else starts: the model would load for a minute and the first job would
// then fail on its database or files. One line naming the variable says what to fix. It also belongs to one process:
// a second bot on it would take the same queue, run its jobs again and sweep the first one's files.
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  lstatSync,
  openSync,
  readlinkSync,
  renameSync,
  rmSync,
  statfsSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { makeFolders } from '../engine/index.js';
import { processTag } from './process-tag.js';

export class DataDirError extends Error {}

/**
 * `text` written beside `path` and renamed over it: a crash mid-write leaves the old file, never half of one. On
 * failure the file beside it is removed and the write's own error thrown.
 */
export function replaceFile(path: string, text: string): void {
  // Not the PID alone: another container's process of the same PID may write the same file on a shared volume.
  const temporary = `${path}.${processTag()}.tmp`;
  try {
    makeFolders(dirname(path));
    writeFileSync(temporary, text);
    renameSync(temporary, path);
  } catch (error) {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // The write's own failure is the one worth reporting.
    }
    throw error;
  }
}

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
        `${subject(dataDir)} is in use by another dimoo-bot (it holds ${file}): two bots on one DATA_DIR would run the same jobs twice. Stop the other one, or give this one a DATA_DIR of its own.`,
      );
    // A bot holding the lock never writes the file (it stays empty), so other bytes in it are no bot's: said as
    // such, not as a folder that cannot be written.
    if (code === 'SQLITE_NOTADB' || code?.startsWith('SQLITE_CORRUPT'))
      throw new DataDirError(
        `${subject(dataDir, file)} is not the lock file a dimoo-bot makes (something else wrote into it). It holds nothing: remove it, then start again.`,
        { cause: error },
      );
    throw dataDirError(dataDir, error, file);
  }
  const held = db;
  // Referenced until released: a connection no one references is closed when collected, and its lock goes with it.
  openLocks.add(held);
  return {
    release: () => {
      openLocks.delete(held);
      held.close();
    },
  };
}

const openLocks = new Set<Database.Database>();

/**
 * What earlier starts wrote under DATA_DIR and the bot writes again at once: a read-only mount of one of them would
 * otherwise be found only after the model loaded. (Not bot.lock: closing a descriptor of it would drop the lock this
 * process takes on it.)
 */
const KEPT_FOLDERS = ['jobs'];
const KEPT_FILES = ['jobs.sqlite', 'jobs.sqlite-wal', 'jobs.sqlite-shm'];

/**
 * Creates DATA_DIR if needed and proves it, and what earlier starts left in it, writable; throws DataDirError (one
 * line) otherwise. Call it before this process opens the job database.
 */
export function assertWritableDataDir(dataDir: string): void {
  try {
    // Not mkdirSync's recursive form: under a folder that takes none (/proc) Node 20 loops there for ever.
    makeFolders(dataDir);
  } catch (error) {
    // DATA_DIR, or a folder above it, a link to nothing: mkdir's EEXIST would say "is not a folder".
    const { path: failed } = error as { path?: unknown };
    const target = typeof failed === 'string' ? danglingLink(failed) : undefined;
    if (typeof failed === 'string' && target !== undefined) throw linkToNothing(dataDir, failed, target);
    throw dataDirError(dataDir, error);
  }
  for (const path of [...KEPT_FOLDERS, ...KEPT_FILES].map((f) => join(dataDir, f))) {
    const target = danglingLink(path);
    if (target !== undefined) throw linkToNothing(dataDir, path, target);
  }
  for (const folder of [dataDir, ...KEPT_FOLDERS.map((f) => join(dataDir, f)).filter((f) => existsSync(f))]) {
    const probe = join(folder, `.write-probe-${processTag()}`);
    try {
      try {
        writeFileSync(probe, 'ok');
      } finally {
        // Also after a failed write: a full disk makes the file before it refuses the bytes.
        rmSync(probe, { force: true });
      }
    } catch (error) {
      throw dataDirError(dataDir, error, folder);
    }
  }
  for (const file of KEPT_FILES.map((f) => join(dataDir, f)).filter((f) => existsSync(f))) {
    try {
      // Opened for writing and closed: nothing in it changes.
      closeSync(openSync(file, 'r+'));
    } catch (error) {
      throw dataDirError(dataDir, error, file);
    }
  }
}

/**
 * Where a link at `path` points when that is gone (a volume not mounted, a file moved away), else undefined. Seen as
 * absent by every other check, it would surface only after the model loaded: SQLite's bare "unable to open database
 * file", or every job's folder refused.
 */
function danglingLink(path: string): string | undefined {
  if (!isLink(path) || existsSync(path)) return undefined;
  return readlinkSync(path);
}

function linkToNothing(dataDir: string, path: string, target: string): DataDirError {
  return new DataDirError(
    `${subject(dataDir, path)} is a link to ${target}, which does not exist: the bot keeps its job database and files there. Mount or restore what it points to, or remove the link.`,
  );
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    // Nothing there, or a file where a folder of its path should be.
    return false;
  }
}

/** The folder as set, and where that is when it was relative. */
function shown(dataDir: string): string {
  const absolute = resolve(dataDir);
  return absolute === dataDir ? dataDir : `${dataDir} (${absolute})`;
}

/** Whom a line is about: DATA_DIR itself, or a path in (or above) it. */
function subject(dataDir: string, path = dataDir): string {
  return resolve(path) === resolve(dataDir)
    ? `DATA_DIR=${shown(dataDir)}`
    : `DATA_DIR=${shown(dataDir)}: ${path}`;
}

/**
 * The real cause of a failed write, and where: the nearest folder that exists when the path does not (it is the one
 * that refused the folder under it). Node's recursive mkdir says ENOENT when it cannot create a folder on a read-only
 * disk or in a folder this user may not write: that folder then says which (EROFS, EACCES).
 */
function causeOf(error: unknown, path: string): { code?: string; path: string } {
  const { code: raw, path: failed, syscall } = error as { code?: unknown; path?: unknown; syscall?: unknown };
  const code = typeof raw === 'string' ? raw : undefined;
  let folder = typeof failed === 'string' ? failed : path;
  // A link to nothing is there all the same: it is what refused.
  if (existsSync(folder) || isLink(folder)) return { code, path };
  while (!existsSync(folder) && dirname(folder) !== folder) folder = dirname(folder);
  if (code !== 'ENOENT') return { code, path: folder };
  try {
    accessSync(folder, constants.W_OK);
  } catch (denied) {
    const real = (denied as { code?: unknown }).code;
    if (typeof real === 'string') return { code: real, path: folder };
  }
  // Writable, and mkdir still said "no such file" for a folder right in it (makeFolders tried twice): one that takes
  // no folders (/proc, a pseudo file system). Any other (a folder removed meanwhile) is said as it came.
  if (syscall === 'mkdir' && typeof failed === 'string' && dirname(failed) === folder)
    return { code: TAKES_NO_FOLDERS, path: folder };
  return { code, path };
}

/** causeOf's code for a folder in which mkdir says ENOENT (/proc): not every ENOENT, which has other causes. */
const TAKES_NO_FOLDERS = 'ENOENT (takes no folders)';

/** This process's user, as a permission problem names it (`chown` takes the number). */
function user(): string {
  const uid = process.getuid?.();
  return uid === undefined ? 'this user' : `uid ${uid}`;
}

/**
 * SQLite says a full disk as SQLITE_FULL, but a write refused for want of space (EDQUOT) as SQLITE_IOERR_WRITE, and a
 * -shm that cannot grow as SQLITE_IOERR_SHMSIZE: those are a full disk only when the disk has (almost) no room left,
 * else a broken one, which "free some space" would not mend.
 */
const SPACE_IOERRS = new Set(['SQLITE_IOERR_WRITE', 'SQLITE_IOERR_SHMSIZE']);

/**
 * Whether the file system holding `path` has (almost) no room left for this user: less than 1% of it, between 1 and
 * 16 MiB (a WAL write or a -shm chunk needs more than a few bytes). False when it cannot say.
 */
function hasNoFreeSpace(path: string): boolean {
  try {
    const { bavail, blocks, bsize } = statfsSync(path);
    // A size of 0 is a file system that does not count (procfs, some FUSE mounts): its 0 free says nothing.
    if (blocks === 0) return false;
    const limit = Math.max(2 ** 20, Math.min(16 * 2 ** 20, (blocks * bsize) / 100));
    return bavail * bsize < limit;
  } catch {
    return false;
  }
}

/** A SQLite I/O error on DATA_DIR that is its disk being full (SPACE_IOERRS). */
function isSpaceIoError(error: unknown, dataDir: string): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && SPACE_IOERRS.has(code) && hasNoFreeSpace(dataDir);
}

/** A write refused for want of space (the file system's ENOSPC/EDQUOT, SQLite's SQLITE_FULL). */
export function isDiskFull(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return (
    code === 'ENOSPC' ||
    code === 'EDQUOT' ||
    code === 'SQLITE_FULL' ||
    (error instanceof Error && /disk is full|no space left/i.test(error.message))
  );
}

/**
 * The one full-disk rule for DATA_DIR: a write refused for want of space, however SQLite words it (isSpaceIoError).
 * The start's DATA_DIR line, a job's failure and a command's answer all read a full disk by it.
 */
export function isFullAt(error: unknown, dataDir: string): boolean {
  return isDiskFull(error) || isSpaceIoError(error, dataDir);
}

/** Why a write failed, in plain words rather than a bare code, and what to do: the advice follows the cause. */
function explain(code: string | undefined, error: unknown, full: boolean): { why: string; fix: string } {
  if (full) return noSpace(code ?? message(error));
  switch (code) {
    case 'EROFS':
      return {
        why: 'is on a read-only disk (EROFS)',
        fix: 'Mount it read-write, or point DATA_DIR at a folder on a writable disk.',
      };
    case 'EACCES':
    case 'EPERM':
      return {
        why: `is not writable by ${user()}: permission denied (${code})`,
        fix: `Let ${user()} write there (chown or chmod), or point DATA_DIR at a folder it may write.`,
      };
    case TAKES_NO_FOLDERS:
      return {
        why: 'takes no new folders (ENOENT: a system folder such as /proc)',
        fix: 'Point DATA_DIR at a folder on an ordinary disk.',
      };
    case 'ENOTDIR':
    case 'EEXIST':
      return { why: 'is not a folder', fix: 'Point DATA_DIR at a writable folder.' };
    default:
      return {
        why: `cannot be written (${code ?? message(error)})`,
        fix: 'Point DATA_DIR at a writable folder.',
      };
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `cause`: the error's code, or its words where it has none (a full disk told only in its message). */
function noSpace(cause: string): { why: string; fix: string } {
  // Another folder on the same disk would not help.
  return {
    why: `has no free space (${cause})`,
    fix: 'Free some space on its disk, or point DATA_DIR at a folder on a disk with room.',
  };
}

/**
 * The one line for DATA_DIR, or a folder or file under it (`path`), that cannot be written: which (the variable as
 * set, and the path when it is not DATA_DIR itself), why, and what to do. Every DATA_DIR problem is said this way.
 */
export function dataDirError(dataDir: string, error: unknown, path = dataDir): DataDirError {
  const cause = causeOf(error, path);
  const { why, fix } = explain(cause.code, error, isFullAt(error, dataDir));
  return new DataDirError(
    `${subject(dataDir, cause.path)} ${why}: the bot keeps its job database and files there. ${fix}`,
    { cause: error },
  );
}
