// Durable job storage: SQLite in WAL mode under DATA_DIR, input and result files in DATA_DIR/jobs/<id>/.
// Every state change is one synchronous transaction, so a process killed at any point loses no job.
import { randomUUID } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { BlockList } from './blocks.js';
import { openJobDatabase } from './database.js';
import { DeliveryLog } from './deliveries.js';
import { UpdateInbox } from './inbox.js';
import { QuestionLog } from './questions.js';
import type { Job, JobStatus, Owner } from './types.js';
import { ownerKey } from './types.js';

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// Inputs keep the format they arrived in (PNG, JPEG, WebP), so the stored file is the original bytes.
const FILE = /^[a-z0-9_-]{1,40}\.(png|jpg|webp|txt|json)$/;

/** Whether `name` is a job id as this store makes them (`newId`): a folder under `filesRoot` named otherwise is none of its own. */
export function isJobId(name: string): boolean {
  return ID.test(name);
}

/**
 * A job's stored file that is gone (a jobs folder cleaned by hand) or damaged (cut short): what a follow-up of the
 * job needs is lost. `key` is the locale key of what its user is told.
 */
export class StoredFileLost extends Error {
  readonly key: 'errors.job.deleted' | 'errors.job.file_damaged';

  constructor(
    readonly jobId: string,
    readonly file: string,
    readonly damage: 'missing' | 'damaged',
    options?: ErrorOptions,
  ) {
    super(`stored file ${file} of job ${jobId} is ${damage}`, options);
    this.name = 'StoredFileLost';
    this.key = damage === 'missing' ? 'errors.job.deleted' : 'errors.job.file_damaged';
  }
}

// The last bytes of every PNG the bot writes: the IEND chunk's type and CRC.
const PNG_END = Buffer.from('49454e44ae426082', 'hex');
const RESULT = /^result(-\d+)?\.png$/;

/**
 * Whether a file looks whole: a result cut short (a disk that filled, a copy that stopped) lacks the end every PNG
 * the bot encodes has. Inputs are the bytes as they came, which need not end so; decoding judges them.
 */
function looksWhole(name: string, bytes: Buffer): boolean {
  return !RESULT.test(name) || (bytes.length > PNG_END.length && bytes.lastIndexOf(PNG_END) > 0);
}

/** Whether a file's last bytes are a PNG's end; false also when it cannot be read (readFile then says why). */
function endsAsPng(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    const tail = Buffer.alloc(PNG_END.length);
    return (
      size > tail.length &&
      readSync(fd, tail, 0, tail.length, size - tail.length) === tail.length &&
      tail.equals(PNG_END)
    );
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export class JobStore {
  private readonly db: Database.Database;
  /** Status-message places and undelivered endings of chat jobs. */
  readonly deliveries: DeliveryLog;
  /** Users an admin blocked from the bot (`/block`). */
  readonly blocks: BlockList;
  /** A chat adapter's questions waiting for a reply (Telegram's Edit, Remix…), kept across restarts. */
  readonly questions: QuestionLog;
  /** A chat adapter's updates taken and not yet handled (Telegram's), handed to the next start after a crash. */
  readonly inbox: UpdateInbox;

  constructor(readonly dataDir: string) {
    mkdirSync(join(dataDir, 'jobs'), { recursive: true });
    this.db = openJobDatabase(dataDir);
    this.deliveries = new DeliveryLog(this.db);
    this.blocks = new BlockList(this.db);
    this.questions = new QuestionLog(this.db);
    this.inbox = new UpdateInbox(this.db);
  }

  newId(): string {
    return randomUUID();
  }

  nextSeq(): number {
    const row = this.db.prepare('SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM jobs').get() as {
      next: number;
    };
    return row.next;
  }

  insert(job: Job): void {
    this.db
      .prepare('INSERT INTO jobs (id, seq, owner, scope, status, body) VALUES (?, ?, ?, ?, ?, ?)')
      .run(job.id, job.seq, ownerKey(job.owner), job.scope, job.status, JSON.stringify(job));
  }

  update(job: Job): void {
    this.db
      .prepare('UPDATE jobs SET status = ?, body = ? WHERE id = ?')
      .run(job.status, JSON.stringify(job), job.id);
  }

  /** Applies several changes atomically (a finished job and the fairness counter it charged). */
  transaction(work: () => void): void {
    this.db.transaction(work)();
  }

  get(id: string): Job | undefined {
    const row = this.db.prepare('SELECT body FROM jobs WHERE id = ?').get(id) as { body: string } | undefined;
    return row ? (JSON.parse(row.body) as Job) : undefined;
  }

  byStatus(...statuses: JobStatus[]): Job[] {
    const marks = statuses.map(() => '?').join(',');
    const rows = this.db
      .prepare(`SELECT body FROM jobs WHERE status IN (${marks}) ORDER BY seq`)
      .all(...statuses) as Array<{ body: string }>;
    return rows.map((r) => JSON.parse(r.body) as Job);
  }

  recentOf(owner: Owner, limit = 10): Job[] {
    const rows = this.db
      .prepare('SELECT body FROM jobs WHERE owner = ? ORDER BY seq DESC LIMIT ?')
      .all(ownerKey(owner), limit) as Array<{ body: string }>;
    return rows.map((r) => JSON.parse(r.body) as Job);
  }

  /**
   * The owner's take of image `pick` of grid `origin` that is still there (finished, neither deleted nor without
   * its files), however long ago: a second take answers with it rather than storing a copy (commands/grid.ts).
   */
  takenFrom(owner: Owner, origin: string, pick: number): Job | undefined {
    const row = this.db
      .prepare(
        `SELECT body FROM jobs WHERE owner = ? AND status = 'done'
         AND json_extract(body, '$.meta.origin') = ? AND json_extract(body, '$.meta.pick') = ?
         AND coalesce(json_extract(body, '$.meta.deleted'), 0) = 0
         AND json_extract(body, '$.filesRemoved') IS NULL ORDER BY seq LIMIT 1`,
      )
      .get(ownerKey(owner), origin, pick) as { body: string } | undefined;
    return row ? (JSON.parse(row.body) as Job) : undefined;
  }

  /**
   * What the owner's finished jobs made since `since` (ms): images (a grid's each; an image taken from a grid is
   * its grid's, not counted again), describe answers, and the model time they took (a batched job's share).
   */
  usageOf(owner: Owner, since = 0): { images: number; answers: number; ms: number } {
    const row = this.db
      .prepare(
        `SELECT
           SUM(CASE WHEN json_extract(body, '$.request.task') = 'understand' THEN 0
                    ELSE COALESCE(json_array_length(body, '$.result.candidates'), 1) END) AS images,
           SUM(json_extract(body, '$.request.task') = 'understand') AS answers,
           SUM(COALESCE(json_extract(body, '$.deviceMs'), json_extract(body, '$.measuredMs'), 0)) AS ms
         FROM jobs
         WHERE owner = ? AND status = 'done' AND json_extract(body, '$.meta.pick') IS NULL
           AND COALESCE(json_extract(body, '$.finishedAt'), 0) >= ?`,
      )
      .get(ownerKey(owner), since) as { images: number | null; answers: number | null; ms: number | null };
    return { images: row.images ?? 0, answers: row.answers ?? 0, ms: row.ms ?? 0 };
  }

  /**
   * The owner's jobs newest first, older than submission `before` when given (one page of a history). Results the
   * user deleted (`meta.deleted`) are left out here, so a page still holds `limit` of the others.
   */
  pageOf(owner: Owner, before: number | undefined, limit: number): Job[] {
    const rows = this.db
      .prepare(
        `SELECT body FROM jobs WHERE owner = ? AND seq < ?
         AND coalesce(json_extract(body, '$.meta.deleted'), 0) = 0 ORDER BY seq DESC LIMIT ?`,
      )
      .all(ownerKey(owner), before ?? Number.MAX_SAFE_INTEGER, limit) as Array<{ body: string }>;
    return rows.map((r) => JSON.parse(r.body) as Job);
  }

  /** Those of `ids` that have a row, in any state. */
  existingIds(ids: readonly string[]): Set<string> {
    if (ids.length === 0) return new Set();
    const marks = ids.map(() => '?').join(',');
    const rows = this.db.prepare(`SELECT id FROM jobs WHERE id IN (${marks})`).all(...ids) as Array<{
      id: string;
    }>;
    return new Set(rows.map((r) => r.id));
  }

  /** Up to `limit` jobs submitted before `before` (a seq), newest first: one page of a walk over every job. */
  before(before: number, limit: number): Job[] {
    const rows = this.db
      .prepare('SELECT body FROM jobs WHERE seq < ? ORDER BY seq DESC LIMIT ?')
      .all(before, limit) as Array<{ body: string }>;
    return rows.map((r) => JSON.parse(r.body) as Job);
  }

  counters(): Map<string, number> {
    const rows = this.db.prepare('SELECT user, counter FROM fairness').all() as Array<{
      user: string;
      counter: number;
    }>;
    return new Map(rows.map((r) => [r.user, r.counter]));
  }

  setCounter(user: string, counter: number): void {
    this.db
      .prepare(
        'INSERT INTO fairness (user, counter) VALUES (?, ?) ON CONFLICT(user) DO UPDATE SET counter = excluded.counter',
      )
      .run(user, counter);
  }

  /** Removes the counters of users the fair share no longer needs to tell apart (fair-counters.ts). */
  forgetCounters(users: readonly string[]): void {
    const remove = this.db.prepare('DELETE FROM fairness WHERE user = ?');
    for (const user of users) remove.run(user);
  }

  fairnessFloor(): number {
    const row = this.db.prepare('SELECT floor FROM fairness_floor WHERE id = 1').get() as
      | { floor: number }
      | undefined;
    return row?.floor ?? 0;
  }

  setFairnessFloor(floor: number): void {
    this.db
      .prepare(
        'INSERT INTO fairness_floor (id, floor) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET floor = excluded.floor',
      )
      .run(floor);
  }

  calibration(device: string): { msPerUnit: number; samples: number } | undefined {
    const row = this.db
      .prepare('SELECT ms_per_unit, samples FROM calibration WHERE device = ?')
      .get(device) as { ms_per_unit: number; samples: number } | undefined;
    return row ? { msPerUnit: row.ms_per_unit, samples: row.samples } : undefined;
  }

  setCalibration(device: string, msPerUnit: number, samples: number): void {
    this.db
      .prepare(
        'INSERT INTO calibration (device, ms_per_unit, samples) VALUES (?, ?, ?) ON CONFLICT(device) DO UPDATE SET ms_per_unit = excluded.ms_per_unit, samples = excluded.samples',
      )
      .run(device, msPerUnit, samples);
  }

  settings<T>(user: string): T | undefined {
    const row = this.db.prepare('SELECT body FROM settings WHERE user = ?').get(user) as
      | { body: string }
      | undefined;
    return row ? (JSON.parse(row.body) as T) : undefined;
  }

  /** The keys of every settings row that begins with `prefix` (a whole scan: for a one-off pass, not a request). */
  settingsKeys(prefix: string): string[] {
    // instr, not LIKE: LIKE ignores ASCII case and reads `_` and `%` in the prefix as wildcards.
    const rows = this.db.prepare('SELECT user FROM settings WHERE instr(user, ?) = 1').all(prefix) as Array<{
      user: string;
    }>;
    return rows.map((row) => row.user);
  }

  saveSettings(user: string, body: unknown): void {
    this.db
      .prepare(
        'INSERT INTO settings (user, body) VALUES (?, ?) ON CONFLICT(user) DO UPDATE SET body = excluded.body',
      )
      .run(user, JSON.stringify(body));
  }

  /** Where every job's folder is (`DATA_DIR/jobs`). */
  get filesRoot(): string {
    return join(this.dataDir, 'jobs');
  }

  /** The folder of a job's stored files (`DATA_DIR/jobs/<id>`). */
  folder(id: string): string {
    if (!isJobId(id)) throw new Error(`invalid job id ${JSON.stringify(id)}`);
    return join(this.filesRoot, id);
  }

  /** Path of a job's stored file; ids and names are validated so no request reaches the file system unchecked. */
  filePath(id: string, name: string): string {
    if (!FILE.test(name)) throw new Error(`invalid job file name ${JSON.stringify(name)}`);
    return join(this.folder(id), name);
  }

  writeFile(id: string, name: string, bytes: Uint8Array): void {
    mkdirSync(this.folder(id), { recursive: true });
    writeFileSync(this.filePath(id, name), bytes);
  }

  /** A stored file's bytes; StoredFileLost when it is gone, or a result that is cut short. */
  readFile(id: string, name: string): Buffer {
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.filePath(id, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        throw new StoredFileLost(id, name, 'missing', { cause: error });
      throw error;
    }
    if (!looksWhole(name, bytes)) throw new StoredFileLost(id, name, 'damaged');
    return bytes;
  }

  /**
   * Whether a stored file is there and whole, as `readFile` judges it (StoredFileLost when not), without reading a
   * result that ends as every PNG the bot writes: /queue checks every undelivered result each time it is asked.
   */
  checkFile(id: string, name: string): void {
    if (RESULT.test(name) && endsAsPng(this.filePath(id, name))) return;
    // Any other ending (bytes after the PNG's end, an input), or a file not to be opened: judged as readFile judges.
    this.readFile(id, name);
  }

  removeFiles(id: string): void {
    rmSync(this.folder(id), { recursive: true, force: true });
  }

  close(): void {
    this.db.close();
  }
}
