// SQLite says a full disk not only as SQLITE_FULL: a write refused for want of space as SQLITE_IOERR_WRITE, a -shm
// that cannot grow as SQLITE_IOERR_SHMSIZE. Those read as "no free space" when the disk has (almost) none left, and
// as a disk that cannot be written otherwise. The file system's free space is a double here (statfsSync).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { dataDirError, isFullAt } from '../src/data-dir.js';
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

  it('a full disk said only in its words (no code) reads as no free space, named by those words', () => {
    disk.freeBytes = 2 ** 29;
    const error = new Error('ENOSPC: no space left on device, write');
    const { message } = dataDirError(dir, error, file);
    expect(message).toContain('has no free space (ENOSPC: no space left on device, write)');
    expect(message).toContain('Free some space on its disk');
  });

  // One rule: the DATA_DIR line says "no free space" exactly for what a job or a command reads as a full disk.
  it.each([
    ['SQLITE_IOERR_WRITE on a full disk', ioError('SQLITE_IOERR_WRITE'), 8192],
    ['SQLITE_IOERR_WRITE with room', ioError('SQLITE_IOERR_WRITE'), 2 ** 29],
    ['SQLITE_FULL', Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }), 2 ** 29],
    ['EDQUOT', Object.assign(new Error('quota exceeded'), { code: 'EDQUOT' }), 2 ** 29],
    ['words only', new Error('database or disk is full'), 2 ** 29],
    ['EACCES', Object.assign(new Error('permission denied'), { code: 'EACCES' }), 8192],
  ])('%s: the DATA_DIR line and isFullAt agree', (_name, error, free) => {
    disk.freeBytes = free;
    const { message } = dataDirError(dir, error, file);
    expect(message.includes('has no free space')).toBe(isFullAt(error, dir));
  });
});
