// The CLI's files: why one could not be read, in words, and outputs written whole or not at all.
import { realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CliError } from './command.js';

/** Why a file could not be read or written, as a line says it ("no such file"), not as Node's error prints. */
export function fileErrorReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOSPC') return 'no space left on the device';
  return error instanceof Error ? error.message : String(error);
}

/**
 * Writes an output file (`--out`) whole or not at all: into a temporary file beside it, then renamed over it, so
 * a failed write (a full disk) leaves neither half a file nor a damaged earlier one. The temporary file is hidden
 * and removed on failure. A link is followed (its target is written, as a plain write would); a device or a pipe
 * (`/dev/stdout`) cannot be renamed over and is written directly.
 */
export function writeOutputFile(flag: string, path: string, data: string | Uint8Array): void {
  let target = path;
  try {
    target = realpathSync(path);
  } catch {
    // Not there yet: written under the name given.
  }
  const fail = (error: unknown) =>
    new CliError('output_unwritable', `cannot write --${flag} ${path}: ${fileErrorReason(error)}`);
  const existing = statSync(target, { throwIfNoEntry: false });
  if (existing && !existing.isFile()) {
    try {
      writeFileSync(target, data);
    } catch (error) {
      throw fail(error);
    }
    return;
  }
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  try {
    writeFileSync(temp, data);
    renameSync(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    throw fail(error);
  }
}
