// Folders made for a path a user gave (DATA_DIR, --out, a cache folder): one helper for every room, as engine/ may
// import no other.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * A folder and any missing above it, as `mkdirSync(path, { recursive: true })` makes them, but never stuck: Node 20's
 * recursive mkdir loops for ever where mkdir answers "no such file" under a folder that exists (/proc and other
 * pseudo file systems), and a mistyped path there hung the command. Here that answer, given twice, is the error
 * thrown.
 */
export function makeFolders(path: string): void {
  try {
    mkdirSync(path);
  } catch (error) {
    if (madeAlready(error, path)) return;
    const parent = dirname(path);
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === path) throw error;
    // Missing when mkdir looked, or made since by another process (two commands on a fresh HOME): tried once more
    // either way, so only a folder that still answers "no such file" under a parent that exists (/proc) throws.
    if (!existsSync(parent)) makeFolders(parent);
    try {
      mkdirSync(path);
    } catch (again) {
      if (!madeAlready(again, path)) throw again;
    }
  }
}

/** An EEXIST that is the folder itself (made by another process meanwhile), not a file in its place. */
function madeAlready(error: unknown, path: string): boolean {
  return (
    (error as NodeJS.ErrnoException).code === 'EEXIST' &&
    statSync(path, { throwIfNoEntry: false })?.isDirectory() === true
  );
}
