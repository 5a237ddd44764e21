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
    const why =
      code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
        ? 'is not writable'
        : code === 'ENOSPC' || code === 'EDQUOT'
          ? 'has no free space'
          : code === 'ENOTDIR' || code === 'EEXIST'
            ? 'is not a folder'
            : `cannot be written (${code ?? (error instanceof Error ? error.message : String(error))})`;
    throw new DataDirError(
      `DATA_DIR=${dataDir} (${resolve(dataDir)}) ${why}: the bot keeps its job database and files there. Point DATA_DIR at a writable folder.`,
    );
  }
}
