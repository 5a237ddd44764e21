import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { deleteJobFiles, type Job, JobStore, openJobSystem, RetentionSweeper } from '../../src/jobs/index.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';

const DAY = 24 * 60 * 60 * 1000;
const NOW = 400 * DAY;
const stores: JobStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

function openStore(): JobStore {
  const store = new JobStore(mkdtempSync(join(tmpdir(), 'dimoo-retention-')));
  stores.push(store);
  return store;
}

type Files = Record<string, number>;
const IMAGE_FILES: Files = { 'input.png': 100, 'result.png': 300 };

/** A job stored as the queue stores it, with files of the given sizes in its folder. */
function stored(store: JobStore, over: Partial<Job>, files: Files = IMAGE_FILES): Job {
  const id = store.newId();
  const job: Job = {
    id,
    seq: store.nextSeq(),
    owner: { platform: 'discord', userId: '1' },
    scope: 'guild:1',
    kind: 'imagine',
    request: { task: 'text_to_image', prompt: 'a fox', width: 256, height: 256 },
    meta: {},
    priority: 'normal',
    status: 'done',
    attempts: 1,
    estimatedCost: 1,
    createdAt: NOW - 60 * DAY,
    ...over,
  };
  for (const [name, size] of Object.entries(files)) store.writeFile(id, name, new Uint8Array(size).fill(7));
  store.insert(job);
  return job;
}

const finished = (daysAgo: number): Partial<Job> => ({
  status: 'done',
  createdAt: NOW - daysAgo * DAY - 60_000,
  finishedAt: NOW - daysAgo * DAY,
});
const hasFiles = (store: JobStore, job: Job) => existsSync(store.folder(job.id));
const seconds = (ms: number) => ms / 1000;

/** Sets a folder's mtime (and its files') to `daysAgo` before NOW, the sweep's clock. */
function age(folder: string, daysAgo: number): void {
  const at = seconds(NOW - daysAgo * DAY);
  for (const name of readdirSync(folder)) utimesSync(join(folder, name), at, at);
  utimesSync(folder, at, at);
}

/** A job folder with no row (a crash after writing the inputs), last changed `daysAgo`; its path. */
function orphan(store: JobStore, files: Files, daysAgo: number): string {
  const id = store.newId();
  for (const [name, size] of Object.entries(files)) store.writeFile(id, name, new Uint8Array(size).fill(7));
  age(store.folder(id), daysAgo);
  return store.folder(id);
}

function sweeper(store: JobStore, days: number, now = NOW, pageSize?: number) {
  const logs: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
  const sweep = new RetentionSweeper({
    store,
    days,
    now: () => now,
    pageSize,
    log: (level, message, fields) => logs.push({ level, message, fields }),
  });
  return { sweep, logs };
}

describe('retention sweep', () => {
  it('removes the files of finished jobs past retention and keeps recent, waiting and running ones', async () => {
    const store = openStore();
    const candidates = [
      { file: 'result-1.png', seed: 5 },
      { file: 'result-2.png', seed: 6 },
    ];
    const grid = stored(
      store,
      { ...finished(31), result: { file: 'result.png', seed: 5, candidates } },
      { 'result.png': 400, 'result-1.png': 100, 'result-2.png': 100 },
    );
    const failed = stored(store, { ...finished(40), status: 'failed' }, { 'input.png': 50 });
    const recent = stored(store, finished(29));
    const waiting = stored(store, { status: 'queued', createdAt: NOW - 90 * DAY });
    const running = stored(store, { status: 'running', createdAt: NOW - 90 * DAY, startedAt: NOW - 1000 });
    const { sweep, logs } = sweeper(store, 30);

    expect(await sweep.sweep()).toEqual({ expired: 2, deleted: 0, orphans: 0, freedBytes: 650 });

    expect(hasFiles(store, grid)).toBe(false);
    expect(hasFiles(store, failed)).toBe(false);
    for (const kept of [recent, waiting, running]) expect(hasFiles(store, kept)).toBe(true);
    // The rows stay (fair share, usage counts), marked with why their files are gone.
    expect(store.get(grid.id)).toMatchObject({
      status: 'done',
      result: grid.result,
      filesRemoved: { reason: 'expired', at: NOW, afterDays: 30 },
    });
    expect(store.get(recent.id)?.filesRemoved).toBeUndefined();
    expect(store.get(waiting.id)?.filesRemoved).toBeUndefined();
    expect(logs).toEqual([
      {
        level: 'info',
        message: 'stored files of old and deleted jobs removed',
        fields: { expired: 2, deleted: 0, orphans: 0, freedBytes: 650, freedMB: 0, retentionDays: 30 },
      },
    ]);

    // Nothing left to do: the next sweep removes nothing and says nothing.
    expect(await sweep.sweep()).toEqual({ expired: 0, deleted: 0, orphans: 0, freedBytes: 0 });
    expect(logs).toHaveLength(1);
  });

  it('keeps an old result while a follow-up of it waits or is recent, across pages, and prunes it after', async () => {
    const store = openStore();
    const parent = stored(store, finished(50));
    const upscale = stored(store, { status: 'queued', createdAt: NOW - 1000, meta: { origin: parent.id } });
    const other = stored(store, finished(50));
    const vary = stored(store, { ...finished(2), meta: { origin: other.id } });
    const lonely = stored(store, finished(50));

    // One job per page: each follow-up is met on a page before the job it was made from.
    expect((await sweeper(store, 30, NOW, 1).sweep.sweep()).expired).toBe(1);
    expect(hasFiles(store, lonely)).toBe(false);
    expect(hasFiles(store, parent)).toBe(true);
    expect(hasFiles(store, other)).toBe(true);
    expect(hasFiles(store, upscale)).toBe(true);

    // The upscale finished; a month later every one of them is past retention.
    store.update({ ...upscale, ...finished(0) });
    const later = sweeper(store, 30, NOW + 40 * DAY, 1);
    expect((await later.sweep.sweep()).expired).toBe(4);
    for (const job of [parent, upscale, other, vary]) expect(hasFiles(store, job)).toBe(false);
  });

  it('goes on past a folder or a file already removed by hand', async () => {
    const store = openStore();
    const noFolder = stored(store, finished(40));
    rmSync(store.folder(noFolder.id), { recursive: true });
    const noResult = stored(store, finished(40));
    rmSync(store.filePath(noResult.id, 'result.png'));
    const whole = stored(store, finished(40));
    const { sweep, logs } = sweeper(store, 30);

    expect(await sweep.sweep()).toEqual({ expired: 3, deleted: 0, orphans: 0, freedBytes: 100 + 400 });
    for (const job of [noFolder, noResult, whole]) {
      expect(hasFiles(store, job)).toBe(false);
      expect(store.get(job.id)?.filesRemoved?.reason).toBe('expired');
    }
    expect(logs.map((l) => l.level)).toEqual(['info']);
  });

  it('removes a folder no job row claims once unchanged past retention; keeps new ones and every job’s', async () => {
    const store = openStore();
    // Every state a job with a row can be in, each folder untouched for 90 days: only its row keeps it.
    const jobs = [
      stored(store, { status: 'queued', createdAt: NOW - 90 * DAY }),
      stored(store, { status: 'running', createdAt: NOW - 90 * DAY, startedAt: NOW - 1000 }),
      stored(store, finished(1)),
      stored(store, { ...finished(2), status: 'cancelled' }),
      stored(store, { ...finished(3), status: 'failed' }),
    ];
    for (const job of jobs) age(store.folder(job.id), 90);
    // Left by crashes between writing a submission's inputs and storing its row.
    const old = orphan(store, { 'input.png': 100, 'mask.png': 20 }, 40);
    const recent = orphan(store, { 'input.png': 100 }, 0.01);
    // Its folder is old, but a file in it is still being written.
    const writing = orphan(store, { 'input.png': 100 }, 40);
    utimesSync(join(writing, 'input.png'), seconds(NOW), seconds(NOW));
    const notOurs = join(store.filesRoot, 'lost+found');
    mkdirSync(notOurs);
    age(notOurs, 400);
    // Two folders a page: the orphans are met on several pages.
    const { sweep, logs } = sweeper(store, 30, NOW, 2);

    expect(await sweep.sweep()).toEqual({ expired: 0, deleted: 0, orphans: 1, freedBytes: 120 });

    expect(existsSync(old)).toBe(false);
    for (const kept of [recent, writing, notOurs]) expect(existsSync(kept)).toBe(true);
    for (const job of jobs) {
      expect(readdirSync(store.folder(job.id)).sort()).toEqual(['input.png', 'result.png']);
      expect(store.get(job.id)?.filesRemoved).toBeUndefined();
    }
    expect(logs[0]?.fields).toMatchObject({ orphans: 1, freedBytes: 120 });
  });

  it('with retention 0 keeps every finished job, but still removes what its owner deleted', async () => {
    const store = openStore();
    const ancient = stored(store, finished(3000));
    // Deleted before Delete removed files (or while it ran): its files go at the next sweep.
    const deleted = stored(store, { ...finished(1), meta: { deleted: true } });
    const lost = orphan(store, { 'input.png': 100 }, 3000);
    const { sweep, logs } = sweeper(store, 0);

    expect(await sweep.sweep()).toEqual({ expired: 0, deleted: 1, orphans: 0, freedBytes: 400 });
    expect(hasFiles(store, ancient)).toBe(true);
    expect(existsSync(lost)).toBe(true);
    expect(store.get(ancient.id)?.filesRemoved).toBeUndefined();
    expect(store.get(deleted.id)?.filesRemoved).toEqual({ reason: 'deleted', at: NOW });
    expect(logs[0]?.fields).toMatchObject({ deleted: 1, retentionDays: 0 });
  });

  it('reports the first sweep even when it removed nothing, so the setting shows in the log', async () => {
    const store = openStore();
    stored(store, finished(1));
    const { sweep, logs } = sweeper(store, 30);
    await sweep.sweep();
    await sweep.sweep();
    expect(logs).toHaveLength(1);
    expect(logs[0]?.fields).toMatchObject({
      expired: 0,
      deleted: 0,
      orphans: 0,
      freedBytes: 0,
      retentionDays: 30,
    });
  });

  it('a database that fails mid-sweep is logged, not thrown, and the sweep can run again', async () => {
    const store = new JobStore(mkdtempSync(join(tmpdir(), 'dimoo-retention-')));
    stored(store, finished(40));
    const { sweep, logs } = sweeper(store, 30);
    store.close();
    expect(await sweep.sweep()).toEqual({ expired: 0, deleted: 0, orphans: 0, freedBytes: 0 });
    expect(logs[0]).toMatchObject({
      level: 'warn',
      message: 'retention sweep failed; the next one tries again',
    });
  });

  it('sweeps at start, then every interval, and stops before the database closes', async () => {
    const store = openStore();
    const old = stored(store, finished(40));
    const sweep = new RetentionSweeper({ store, days: 30, now: () => NOW, intervalMs: 20 });
    sweep.start();
    await until(() => !hasFiles(store, old));
    const next = stored(store, finished(40));
    await until(() => !hasFiles(store, next));
    await sweep.stop();
    const after = stored(store, finished(40));
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(hasFiles(store, after)).toBe(true);
  });
});

describe('Delete removes the stored files', () => {
  it('removes a finished job’s folder at once and forgets its undelivered ending, keeping its row', () => {
    const store = openStore();
    const job = stored(store, finished(1), { 'input.png': 10, 'result.png': 10, 'result-1.png': 10 });
    store.deliveries.markUndelivered(job.id);
    expect(deleteJobFiles(store, job.id, NOW)).toBe(true);
    expect(hasFiles(store, job)).toBe(false);
    expect(store.get(job.id)).toMatchObject({ status: 'done', filesRemoved: { reason: 'deleted', at: NOW } });
    expect(store.deliveries.undeliveredOf(job.owner)).toEqual([]);
    // Twice (a second message with its buttons) is no error.
    expect(deleteJobFiles(store, job.id, NOW)).toBe(false);
  });

  it('leaves a waiting or running job’s inputs to the queue', () => {
    const store = openStore();
    const waiting = stored(store, { status: 'queued' });
    const running = stored(store, { status: 'running' });
    expect(deleteJobFiles(store, waiting.id, NOW)).toBe(false);
    expect(deleteJobFiles(store, running.id, NOW)).toBe(false);
    expect(readdirSync(store.folder(waiting.id)).sort()).toEqual(['input.png', 'result.png']);
    expect(hasFiles(store, running)).toBe(true);
    expect(deleteJobFiles(store, store.newId(), NOW)).toBe(false);
  });
});

describe('RESULT_RETENTION_DAYS', () => {
  it('defaults to 30 days, takes 0 for keeping forever, and refuses what is not a whole number of days', () => {
    expect(loadConfig({}).resultRetentionDays).toBe(30);
    expect(loadConfig({ RESULT_RETENTION_DAYS: '0' }).resultRetentionDays).toBe(0);
    expect(loadConfig({ RESULT_RETENTION_DAYS: ' 7 ' }).resultRetentionDays).toBe(7);
    expect(() => loadConfig({ RESULT_RETENTION_DAYS: '-1' })).toThrow(/RESULT_RETENTION_DAYS/);
    expect(() => loadConfig({ RESULT_RETENTION_DAYS: '1.5' })).toThrow(/RESULT_RETENTION_DAYS/);
  });

  it('openJobSystem sweeps at start-up with it, and closes after the sweep', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dimoo-retention-'));
    const before = new JobStore(dir);
    const old = stored(before, {
      status: 'done',
      createdAt: Date.now() - 41 * DAY,
      finishedAt: Date.now() - 40 * DAY,
    });
    before.close();
    const jobs = openJobSystem({
      config: { ...loadConfig({ DATA_DIR: dir }), resultRetentionDays: 30 },
      engine: new TimedEngineDouble(),
    });
    // The row is marked before the folder goes (a follow-up meanwhile is told "deleted", not half a folder).
    await until(
      () => jobs.store.get(old.id)?.filesRemoved !== undefined && !existsSync(join(dir, 'jobs', old.id)),
    );
    await jobs.close({ waitMs: 100 });
  });
});

async function until(done: () => boolean, timeoutMs = 3000): Promise<void> {
  const started = Date.now();
  while (!done()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('retention when the system clock steps', () => {
  it('takes a step forward slowly: a clock a year ahead expires nothing at once, time passing still does', async () => {
    const store = openStore();
    const job = stored(store, finished(1));
    let wall = NOW;
    let mono = 0;
    const logs: string[] = [];
    const sweep = new RetentionSweeper({
      store,
      days: 30,
      now: () => wall,
      monotonic: () => mono,
      log: (_level, message) => logs.push(message),
    });
    expect((await sweep.sweep()).expired).toBe(0);

    // A VM resumed with its clock a year ahead, an hour later.
    wall += 365 * DAY + 60 * 60_000;
    mono += 60 * 60_000;
    expect((await sweep.sweep()).expired).toBe(0);
    expect(hasFiles(store, job)).toBe(true);
    expect(logs).toContain('the system clock jumped ahead; results expire as time passes, not at once');
    // NTP puts it right: a step back is taken as it is, and still nothing is removed.
    wall = NOW + 2 * 60 * 60_000;
    mono += 60 * 60_000;
    expect((await sweep.sweep()).expired).toBe(0);

    // 30 days on, as both clocks measured them, the result is past retention.
    wall += 30 * DAY;
    mono += 30 * DAY;
    expect((await sweep.sweep()).expired).toBe(1);
    expect(hasFiles(store, job)).toBe(false);
  });
});

describe('cancel markers beside the job folders (job-transitions.ts markCancelRequested)', () => {
  it.each([30, 0])(
    'removes the stale ones and keeps a running job’s, its folder beside untouched (%i days)',
    async (days) => {
      const store = openStore();
      const running = stored(
        store,
        { status: 'running', createdAt: NOW - 90 * DAY, startedAt: NOW - 1000 },
        {},
      );
      const cancelled = stored(store, { ...finished(1), status: 'cancelled' });
      const unknown = store.newId();
      for (const id of [running.id, cancelled.id, unknown])
        writeFileSync(join(store.filesRoot, `${id}.cancel-requested`), '');
      const { sweep } = sweeper(store, days);

      expect(await sweep.sweep()).toEqual({ expired: 0, deleted: 0, orphans: 0, freedBytes: 0 });

      expect(readdirSync(store.filesRoot).filter((name) => name.endsWith('.cancel-requested'))).toEqual([
        `${running.id}.cancel-requested`,
      ]);
      expect(hasFiles(store, cancelled)).toBe(true);
    },
  );
});
