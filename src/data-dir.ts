// DATA_DIR must take writes before anything else starts: the model would load for a minute and the first job would
// then fail on its database or files. One line naming the variable says what to fix.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export class DataDirError extends Error {}

/** Creates DATA_DIR if needed and proves it writable with a probe file; throws DataDirError (one line) otherwise. */
export function assertWritableDataDir(dataDir: string): void {
  const probe = join(dataDir, `.write-probe-${process.pid}`);
  try {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(probe, 'ok');
    rmSync(probe, { force: true });
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new DataDirError(`DATA_DIR=${dataDir} (${resolve(dataDir)}) ${dataDirProblem(code, error)}`);
  }
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
