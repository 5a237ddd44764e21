// Folders made for a path a user gave (DATA_DIR, --out, a cache folder): one helper for every room, as engine/ may
// import no other.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * A folder and any missing above it, as `mkdirSync(path, { recursive: true })` makes them, but never stuck: Node 20's
 * recursive mkdir loops for ever where mkdir answers "no such file" under a folder that exists (/proc and other
 * pseudo file systems), and a mistyped path there hung the command. Here that answer is the error thrown.
 */
export function makeFolders(path: string): void {
  try {
    mkdirSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && statSync(path, { throwIfNoEntry: false })?.isDirectory()) return;
    const parent = dirname(path);
    if (code !== 'ENOENT' || parent === path || existsSync(parent)) throw error;
    makeFolders(parent);
    // The parent is there now: a second "no such file" is thrown, not tried again.
    makeFolders(path);
  }
}
