// Test double: a real JobStore whose disk can be declared full. While full, a file write stores the first half
// of the bytes and throws ENOSPC, as fs.writeFileSync does when space runs out mid-file, and database writes throw SQLite's "database or disk is full" (code SQLITE_FULL); reads
// keep working, as they do on a full disk.
import { JobStore } from '../../src/jobs/store.js';
import type { Job } from '../../src/jobs/types.js';

function enospc(path: string): Error {
  return Object.assign(new Error(`ENOSPC: no space left on device, write '${path}'`), {
    code: 'ENOSPC',
    errno: -28,
  });
}

function sqliteFull(): Error {
  return Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
}

export class FullDiskStoreDouble extends JobStore {
  /** Whether writes fail now. */
  full = false;
  /** Fail only once this many more file writes have succeeded (e.g. 1: inputs fit, the result does not). */
  fileWritesLeft = 0;
  /** Whether database writes fail too while full (a full disk refuses both). */
  databaseFull = true;

  override writeFile(id: string, name: string, bytes: Uint8Array): void {
    if (this.full) {
      if (this.fileWritesLeft > 0) this.fileWritesLeft -= 1;
      else {
        super.writeFile(id, name, bytes.subarray(0, bytes.length >> 1));
        throw enospc(name);
      }
    }
    super.writeFile(id, name, bytes);
  }

  override update(job: Job): void {
    if (this.full && this.databaseFull) throw sqliteFull();
    super.update(job);
  }

  override insert(job: Job): void {
    if (this.full && this.databaseFull) throw sqliteFull();
    super.insert(job);
  }

  override setCounter(user: string, counter: number): void {
    if (this.full && this.databaseFull) throw sqliteFull();
    super.setCounter(user, counter);
  }

  override setCalibration(device: string, msPerUnit: number, samples: number): void {
    if (this.full && this.databaseFull) throw sqliteFull();
    super.setCalibration(device, msPerUnit, samples);
  }
}
