// An operator's jobs.sqlite that this code cannot trust is refused at start with one line naming the file and what
// to do (DataDirError, which the start prints as its one line), and the file is left exactly as it was: garbage
// bytes, a file cut short mid-page, a page overwritten, a database a newer bot migrated further. A torn -wal or a
// stale -shm beside a sound file is SQLite's to recover, and a database from before versions were kept is taken.
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DataDirError } from '../../src/data-dir.js';
import { checkJobDatabase, SCHEMA_VERSION } from '../../src/jobs/database.js';
import { JobStore } from '../../src/jobs/store.js';
import type { Job } from '../../src/jobs/types.js';

const dataDir = () => mkdtempSync(join(tmpdir(), 'dimoo-db-'));
const fileOf = (dir: string) => join(dir, 'jobs.sqlite');

function job(store: JobStore, i: number): Job {
  return {
    id: store.newId(),
    seq: store.nextSeq(),
    owner: { platform: 'web', userId: `u${i % 7}` },
    scope: 'playground',
    kind: 'imagine',
    request: { task: 'text_to_image', prompt: `a fox number ${i} `.repeat(8), width: 256, height: 256 },
    meta: {},
    priority: 'normal',
    status: 'done',
    attempts: 1,
    estimatedCost: 1,
    createdAt: 1_000 + i,
    finishedAt: 2_000 + i,
  };
}

/** A closed database with `n` finished jobs in it. */
function withJobs(n: number): string {
  const dir = dataDir();
  const store = new JobStore(dir);
  store.transaction(() => {
    for (let i = 0; i < n; i++) store.insert(job(store, i));
  });
  store.close();
  return dir;
}

/** Opening is refused with the one line naming the file; returns it. */
function refusal(dir: string): string {
  let thrown: unknown;
  try {
    new JobStore(dir).close();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(DataDirError);
  const line = (thrown as Error).message;
  expect(line).toContain(fileOf(dir));
  expect(line).not.toContain('\n');
  return line;
}

describe('opening jobs.sqlite', () => {
  it('refuses a file that is not a database, and leaves it as it was', () => {
    const dir = dataDir();
    const garbage = Buffer.alloc(65_536, 'not a database, just bytes ');
    writeFileSync(fileOf(dir), garbage);
    expect(refusal(dir)).toMatch(/is damaged \(file is not a database\).*restore it from a backup/i);
    expect(readFileSync(fileOf(dir)).equals(garbage)).toBe(true);
  });

  it('refuses a database cut short mid-page', () => {
    const dir = withJobs(400);
    const size = statSync(fileOf(dir)).size;
    truncateSync(fileOf(dir), Math.floor(size / 2) + 1000);
    expect(refusal(dir)).toMatch(/is damaged/);
    expect(statSync(fileOf(dir)).size).toBe(Math.floor(size / 2) + 1000);
  });

  it('refuses a database with a page overwritten, before a command would trip over it', () => {
    const dir = withJobs(400);
    const before = readFileSync(fileOf(dir));
    // The file still opens and its first pages read: only a check of every page finds this.
    const fd = openSync(fileOf(dir), 'r+');
    writeSync(fd, Buffer.alloc(200, 0x5a), 0, 200, 10 * 4096);
    closeSync(fd);
    const damaged = readFileSync(fileOf(dir));
    expect(damaged.equals(before)).toBe(false);
    expect(refusal(dir)).toMatch(/is damaged \(.+\)/);
    expect(readFileSync(fileOf(dir)).equals(damaged)).toBe(true);
  });

  it('refuses a database a newer bot migrated, without migrating it or folding its -wal into it', () => {
    const dir = withJobs(3);
    // The newer bot was killed: its last writes (the version among them) are still in the -wal.
    const newer = new Database(fileOf(dir));
    newer.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    const crash = dataDir();
    for (const suffix of ['', '-wal', '-shm'])
      writeFileSync(`${fileOf(crash)}${suffix}`, readFileSync(`${fileOf(dir)}${suffix}`));
    newer.close();
    const before = readFileSync(fileOf(crash));
    const wal = readFileSync(`${fileOf(crash)}-wal`);
    expect(wal.length).toBeGreaterThan(0);
    expect(refusal(crash)).toContain(
      `newer dimoo-bot (schema ${SCHEMA_VERSION + 1}; this one knows up to ${SCHEMA_VERSION})`,
    );
    expect(readFileSync(fileOf(crash)).equals(before)).toBe(true);
    expect(readFileSync(`${fileOf(crash)}-wal`).equals(wal)).toBe(true);
  });

  it('refuses in one line a file SQLite cannot open (a link to a volume not mounted), not with its bare error', () => {
    const dir = dataDir();
    symlinkSync(join(dataDir(), 'unmounted', 'jobs.sqlite'), fileOf(dir));
    expect(refusal(dir)).toMatch(/jobs\.sqlite cannot be written \(SQLITE_CANTOPEN\): /);
  });

  it('refuses in one line a file SQLite cannot read (its check before the model loads), not with its bare error', () => {
    const dir = dataDir();
    mkdirSync(fileOf(dir));
    let thrown: unknown;
    try {
      checkJobDatabase(dir);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DataDirError);
    expect((thrown as Error).message).toMatch(/jobs\.sqlite cannot be written \(SQLITE_\w+\): /);
  });

  it('takes a database from before versions were kept, and marks it with this version', () => {
    const dir = withJobs(3);
    const db = new Database(fileOf(dir));
    db.pragma('user_version = 0');
    db.close();
    const store = new JobStore(dir);
    expect(store.byStatus('done')).toHaveLength(3);
    store.close();
    const reopened = new Database(fileOf(dir));
    expect(reopened.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    reopened.close();
  });

  it('recovers the whole transactions of a torn -wal and rebuilds a garbage -shm', () => {
    const dir = withJobs(3);
    // A process killed mid-write: the -wal and -shm as they were, copied while the database was open.
    const live = new JobStore(dir);
    live.transaction(() => {
      for (let i = 0; i < 50; i++) live.insert(job(live, 100 + i));
    });
    const wal = readFileSync(`${fileOf(dir)}-wal`);
    const crash = dataDir();
    writeFileSync(fileOf(crash), readFileSync(fileOf(dir)));
    writeFileSync(`${fileOf(crash)}-wal`, wal.subarray(0, wal.length - 5000));
    writeFileSync(`${fileOf(crash)}-shm`, Buffer.alloc(32_768, 0xab));
    live.close();
    const store = new JobStore(crash);
    // The cut-off transaction is dropped whole; the three jobs committed before it are all there.
    expect(store.byStatus('done')).toHaveLength(3);
    store.close();
  });
});
