// SQLite says a full disk not only as SQLITE_FULL: a write refused for want of space as SQLITE_IOERR_WRITE, a -shm
// that cannot grow as SQLITE_IOERR_SHMSIZE. Those read as "no free space" when the disk has (almost) none left, and
// as a disk that cannot be written otherwise. The file system's free space is a double here (statfsSync).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { dataDirError } from '../src/data-dir.js';
import { disk } from './doubles/statfs-double.js';

vi.mock('node:fs', async (importOriginal) =>
  (await import('./doubles/statfs-double.js')).withStatfsDouble(await importOriginal()),
);

const ioError = (code: string) => Object.assign(new Error('disk I/O error'), { code });

describe('an SQLite I/O error on DATA_DIR', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dimoo-space-'));
  const file = join(dir, 'jobs.sqlite');

  it.each(['SQLITE_IOERR_SHMSIZE', 'SQLITE_IOERR_WRITE'])('%s on a full disk says to free space', (code) => {
    disk.freeBytes = 8192;
    const { message } = dataDirError(dir, ioError(code), file);
    expect(message).toContain(`has no free space (${code})`);
    expect(message).toContain('Free some space on its disk');
  });

  it('on a disk with room is not called full', () => {
    disk.freeBytes = 2 ** 29;
    const { message } = dataDirError(dir, ioError('SQLITE_IOERR_SHMSIZE'), file);
    expect(message).toContain('cannot be written (SQLITE_IOERR_SHMSIZE)');
    expect(message).toContain('Point DATA_DIR at a writable folder');
  });

  it('on a huge disk, a few gigabytes free are room (the bar stops at 16 MiB, not 1% of the disk)', () => {
    disk.totalBytes = 2 ** 43;
    disk.freeBytes = 2 ** 27;
    const { message } = dataDirError(dir, ioError('SQLITE_IOERR_WRITE'), file);
    expect(message).toContain('cannot be written (SQLITE_IOERR_WRITE)');
    disk.totalBytes = 2 ** 30;
  });

  it('on a file system that reports no size at all (a pseudo or FUSE mount) is not called full', () => {
    disk.totalBytes = 0;
    disk.freeBytes = 0;
    const { message } = dataDirError(dir, ioError('SQLITE_IOERR_WRITE'), file);
    expect(message).toContain('cannot be written (SQLITE_IOERR_WRITE)');
    disk.totalBytes = 2 ** 30;
  });
});
