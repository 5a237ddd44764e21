// Why a checkpoint file cannot be opened, said for what it is. `existsSync` is false for a file that is absent but
// also for a link loop, a link into a blob an unfinished download never wrote, and a file behind a folder the
// server may not enter: all four used to read "is missing", which sends an operator looking for a file that is
// there. And a file that cannot be read is not one "that is not valid JSON".
import { lstatSync, readFileSync, statSync } from 'node:fs';
import { EngineError, type EngineErrorCode } from '../api.js';

const errnoOf = (error: unknown) => (error as NodeJS.ErrnoException).code ?? String(error);

/**
 * Why `path` cannot be reached, or undefined when it can, or when it is simply absent (the caller's own "is
 * missing" says that best): a link to nothing is `checkpoint_missing` (the download is unfinished), a link loop or
 * a path the process may not enter `checkpoint_invalid`.
 */
export function unreachable(path: string): { code: EngineErrorCode; says: string } | undefined {
  try {
    statSync(path);
    return undefined;
  } catch (error) {
    const errno = errnoOf(error);
    if (errno === 'ELOOP') return { code: 'checkpoint_invalid', says: 'is a loop of symbolic links (ELOOP)' };
    if (errno !== 'ENOENT') return { code: 'checkpoint_invalid', says: `cannot be reached (${errno})` };
  }
  try {
    lstatSync(path);
  } catch {
    return undefined;
  }
  return { code: 'checkpoint_missing', says: 'is a symbolic link to a file that does not exist' };
}

/** Throws `unreachable`'s reason for `path`, naming it `name` (as messages name the file). */
export function refuseUnreachable(path: string, name: string): void {
  const why = unreachable(path);
  if (!why) return;
  const detail = `${name} ${why.says}`;
  throw new EngineError(why.code, detail, { detail });
}

/** A file's text; one that cannot be read (a folder, no permission) is named with the reason. */
export function readCheckpointText(path: string, name: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const detail = `${name} cannot be read (${errnoOf(error)})`;
    throw new EngineError('checkpoint_invalid', detail, { detail });
  }
}

/** A file's JSON: one that cannot be read is named as `readCheckpointText` names it, one that does not parse so. */
export function readCheckpointJson(path: string, name: string): unknown {
  const text = readCheckpointText(path, name);
  try {
    return JSON.parse(text);
  } catch {
    const detail = `${name} is not valid JSON`;
    throw new EngineError('checkpoint_invalid', detail, { detail });
  }
}
