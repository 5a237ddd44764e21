// makeFolders beside another process making the same folders (two `dimoo imagine --quant int8` on a fresh HOME): a
// parent made by the other one between this one's mkdir and its look at the parent is no error. The race is made
// certain here: a "no such file" from mkdir runs `onEnoent` (the other process) before it is thrown, once: the first
// one, or the one for the path `onEnoent` takes (it says false to wait for another).
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { makeFolders } from '../../engine/folders.js';

let onEnoent: ((path: string) => unknown) | undefined;

vi.mock('node:fs', async (original) => {
  const real = await original<typeof import('node:fs')>();
  const mkdirSync = ((path: fs.PathLike, options?: fs.MakeDirectoryOptions) => {
    try {
      return real.mkdirSync(path, options);
    } catch (error) {
      const run = onEnoent;
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && run && run(String(path)) !== false)
        onEnoent = undefined;
      throw error;
    }
  }) as typeof real.mkdirSync;
  return { ...real, mkdirSync, default: { ...real, mkdirSync } };
});

const fresh = () => fs.mkdtempSync(join(tmpdir(), 'dimoo-folders-'));

describe('makeFolders beside another process', () => {
  it('takes a parent the other one made after this one was told it was missing', () => {
    const root = fresh();
    onEnoent = () => fs.mkdirSync(join(root, 'a'));
    makeFolders(join(root, 'a', 'b'));
    expect(onEnoent).toBeUndefined();
    expect(fs.statSync(join(root, 'a', 'b')).isDirectory()).toBe(true);
  });

  it('takes the folder itself made by the other one meanwhile', () => {
    const root = fresh();
    onEnoent = () => fs.mkdirSync(join(root, 'a', 'b'), { recursive: true });
    makeFolders(join(root, 'a', 'b'));
    expect(onEnoent).toBeUndefined();
    expect(fs.statSync(join(root, 'a', 'b')).isDirectory()).toBe(true);
  });

  it('takes a race several levels down', () => {
    const root = fresh();
    // Told a/b/c is missing as a/b is: the other one makes a/b before this one looks.
    onEnoent = (path) => {
      if (path !== join(root, 'a', 'b', 'c')) return false;
      fs.mkdirSync(join(root, 'a', 'b'), { recursive: true });
      return true;
    };
    makeFolders(join(root, 'a', 'b', 'c', 'd'));
    expect(onEnoent).toBeUndefined();
    expect(fs.statSync(join(root, 'a', 'b', 'c', 'd')).isDirectory()).toBe(true);
  });

  it('still refuses a file in the folder’s place', () => {
    const root = fresh();
    fs.writeFileSync(join(root, 'a'), 'not a folder');
    expect(() => makeFolders(join(root, 'a'))).toThrow(/EEXIST/);
    expect(() => makeFolders(join(root, 'a', 'b'))).toThrow(/ENOTDIR/);
  });

  it.runIf(fs.existsSync('/proc/self'))('still ends under a folder that takes none (/proc)', () => {
    const nowhere = `/proc/dimoo-no-folder-${process.pid}`;
    expect(() => makeFolders(join(nowhere, 'deeper'))).toThrow(/ENOENT: no such file or directory, mkdir/);
  });
});
