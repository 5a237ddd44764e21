// A statfs double for the tests of a full disk told by free space: a file system of `disk.totalBytes` (1 GiB unless a
// test says) with `disk.freeBytes` left. vi.mock is hoisted per test file, so each file keeps its own call:
//   vi.mock('node:fs', async (importOriginal) =>
//     (await import('./doubles/statfs-double.js')).withStatfsDouble(await importOriginal()));
// and sets the space through `disk`, imported from here (the same module the factory loads).
// Only a type is taken from node:fs here: this module is loaded while node:fs is being mocked.
type Fs = typeof import('node:fs');

export const disk = { freeBytes: Number.POSITIVE_INFINITY, totalBytes: 2 ** 30 };

/** `fs` with `statfsSync` (its own and its default export's) saying `disk`'s space, in 4 KiB blocks. */
export function withStatfsDouble(fs: Fs) {
  const statfsSync = (path: string) => {
    const real = fs.statfsSync(path);
    const bsize = 4096;
    const blocks = disk.totalBytes / bsize;
    const free = Math.min(blocks, Math.floor(disk.freeBytes / bsize));
    return { ...real, bsize, blocks, bfree: free, bavail: free };
  };
  return { ...fs, default: { ...fs, statfsSync }, statfsSync };
}
