// The queue state every front-end, worker and the dispatcher share, in Redis: job records, their input and result
// files, per-user waiting lists (sorted by submission order), the fairness counters, the jobs handed to workers,
// live workers and the measured pace. Every change that decides who owns a job is one Redis command or one Lua
// script, so two processes can never both claim or both cancel the same waiting job. Read for scheduling in
// shared-snapshot.ts; the pace in shared-pace.ts, the dispatcher's lease in dispatcher-lease.ts.
import { createHash, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { within } from '../../within.js';
import { resultFiles } from '../job-parts.js';
import type { Job } from '../types.js';
import { ENDED_STATUSES, isStoredImage, ownerKey } from '../types.js';
import { isCredentialsRefusal } from './redis-credentials.js';
import { watchHandshake } from './redis-handshake.js';
import { SharedClock } from './shared-clock.js';
import { enqueueOnce } from './shared-enqueue.js';
import { fairKeys } from './shared-fairness.js';
import type { HeldJob, Replaced } from './shared-holds.js';
import { ADOPT_RUNLESS, CLAIM_RUN, FINISH, HEARTBEAT, PUT_BACK, UNQUEUE } from './shared-scripts.js';
import { readSnapshot, type Snapshot } from './shared-snapshot.js';
import { parseJobRecord } from './wire-events.js';

/**
 * Inputs and results wait a week at most for the front-end that copies them (it keeps its own in DATA_DIR); an
 * ended record as long, for its front-end to report after a restart, so one that never comes back leaks nothing.
 */
export const FILE_TTL_S = 7 * 24 * 3600;

/** An ended record its front-end took stays a day for late lookups (a cancel from another front-end, a re-check). */
const TAKEN_TTL_S = 24 * 3600;

/** Malformed keys and messages remembered as reported, so each is logged once (bounded: a flood starts over). */
const SKIPPED_KEPT = 1000;

/**
 * At most one line per kind of malformed thing in this long, the next one counting those left out: distinct
 * foreign messages (another program publishing on our channels) would otherwise log a line each, without end.
 */
export const SKIP_LOG_INTERVAL_MS = 60_000;

export interface SharedStateOptions {
  /** This machine's clock (tests give a skewed one); shared stamps use Redis's (`clock`). */
  localNow?: () => number;
}

type Log = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

/** Redis's own TIME: written at connection, before this process's clock is synced. */
const DATA_SINCE = `
local t = redis.call('TIME')
local made = redis.call('SET', KEYS[1], t[1] * 1000 + math.floor(t[2] / 1000), 'NX')
return { made and 1 or 0, redis.call('GET', KEYS[1]) }`;

export class SharedState {
  readonly redis: Redis;
  private log: Log | undefined;
  private readonly skipped = new Set<string>();
  /** Per kind of malformed thing: when its last line was logged, and how many were left out since. */
  private readonly skipLines = new Map<string, { at: number; left: number }>();
  private readonly localNow: () => number;
  private readonly closingOurselves: () => void;
  /** Redis's clock, the one every shared stamp (createdAt, startedAt, finishedAt, aging, ETAs) is read from. */
  readonly clock: SharedClock;

  constructor(
    url: string,
    readonly prefix: string,
    private readonly onError: (error: Error) => void = () => undefined,
    options: SharedStateOptions = {},
  ) {
    // Commands wait through a Redis restart instead of failing at once (ioredis reconnects by itself); connection
    // errors go to `onError` (the log) rather than to an unhandled 'error' event.
    this.redis = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
    this.closingOurselves = watchHandshake(
      this.redis,
      (error) => this.connectionError(error),
      () => {
        this.outageTold = false;
      },
    );
    // At every connection, before this process starts a job; a catch-up whose commands waited offline may come first
    // (ioredis sends them before 'ready' is emitted), and reads the mark it makes itself as unknown.
    this.redis.on('ready', () => void this.dataSince().catch(() => undefined));
    this.localNow = options.localNow ?? Date.now;
    this.clock = new SharedClock(this.redis, this.localNow);
  }

  /**
   * Since when (Redis's clock) Redis has kept its data: a key without expiry, written when missing at every
   * connection (so before a job of this process starts) and at a catch-up. An empty restart or a flush takes it too.
   * `made`: written by this call, so when the data was lost is unknown. NaN for a value none of ours.
   */
  async dataSince(): Promise<{ since: number; made: boolean }> {
    const [made, since] = (await this.redis.eval(DATA_SINCE, 1, this.key('data-since'))) as [number, string];
    return { since: Number(since), made: made === 1 };
  }

  /** Now by Redis's clock (no round trip: see shared-clock.ts). */
  now(): number {
    return this.clock.now();
  }

  /** Whether this outage's first connection error was logged: ioredis retries (and fails) every 2 s per connection. */
  private outageTold = false;

  /**
   * A connection's error (this process's own or BullMQ's, reported with `report`): logged while Redis answers, and
   * once per outage, until this process's connection is ready again; not one line per connection and retry. Only an
   * error while this connection is down counts as the outage's: one of another connection while it answers (a
   * subscriber dropped alone, a BullMQ lock) must not silence the next outage's first line.
   */
  readonly connectionError = (error: Error, report: (error: Error) => void = this.onError): void => {
    // Refused credentials are the role's to word (its start's one line, or `onError` once running), whichever
    // connection (BullMQ's, the subscriber's) meets them first: never a raw NOAUTH/WRONGPASS line beside it.
    if (isCredentialsRefusal(error)) report = this.onError;
    const down = this.redis.status !== 'ready';
    if (down && this.outageTold) return;
    if (down) this.outageTold = true;
    report(error);
  };

  /** Where this process's readers report what they skip (`skipMalformed`): the role's log, the first one given. */
  reportTo(log: Log | undefined): void {
    this.log ??= log;
  }

  /**
   * A record or message under this queue's names that is none of ours (another program's, a bot of another version,
   * a damaged key) is skipped by its reader rather than stopping it. Each is logged once (a message: once per
   * distinct `content`), by its key or channel only: its content may be anything; and of one kind, one a minute at
   * most (`SKIP_LOG_INTERVAL_MS`), the next line counting those left out.
   */
  skipMalformed(what: string, where: string, content = ''): void {
    // Hashed: a foreign message may be large, and up to SKIPPED_KEPT of them are remembered.
    const seen = `${where}\n${createHash('sha1').update(content).digest('hex')}`;
    if (this.skipped.has(seen)) return;
    if (this.skipped.size >= SKIPPED_KEPT) this.skipped.clear();
    this.skipped.add(seen);
    const now = this.localNow();
    const line = this.skipLines.get(what);
    if (line && now - line.at < SKIP_LOG_INTERVAL_MS) {
      line.left += 1;
      return;
    }
    const fields: Record<string, unknown> = { key: where };
    if (line && line.left > 0) fields.alsoSkipped = line.left;
    this.skipLines.set(what, { at: now, left: 0 });
    this.log?.('warn', `skipped a malformed ${what} in the shared queue`, fields);
  }

  /** A job record as read from Redis, or undefined (reported) when it is not one. */
  parseJob(body: string, key: string): Job | undefined {
    const job = parseJobRecord(body);
    if (!job) this.skipMalformed('job record', key);
    return job;
  }

  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  channel(name: string): string {
    return this.key('ch', name);
  }

  /**
   * A second connection for SUBSCRIBE (a subscribed connection can issue no other command), named after its
   * holder so that `CLIENT LIST` shows which process is which.
   */
  subscriber(holder: string): Redis {
    const connection = this.redis.duplicate({ connectionName: this.key(holder) });
    connection.on('error', (error: Error) => this.connectionError(error));
    return connection;
  }

  /**
   * Subscribes `connection` to `channels`, and after every later reconnection, once the subscription is confirmed
   * again, runs `recover`: pub/sub keeps nothing for an absent subscriber, so what was published meanwhile must be
   * read back from the records (each is saved before its message goes out).
   */
  async subscribeWithRecovery(connection: Redis, channels: string[], recover: () => void): Promise<void> {
    await connection.subscribe(...channels);
    // Subscribed, so connected: any later 'ready' is a reconnection (a Redis restart, a network cut).
    connection.on('ready', () => {
      connection.subscribe(...channels).then(recover, (error: Error) => this.onError(error));
    });
  }

  async nextSeq(): Promise<number> {
    return this.redis.incr(this.key('seq'));
  }

  async getJob(id: string): Promise<Job | undefined> {
    const read = await this.readJob(id);
    return read === 'malformed' ? undefined : read;
  }

  /** As `getJob`, but a record that is there and none of ours (reported) says so rather than reading as missing. */
  async readJob(id: string): Promise<Job | 'malformed' | undefined> {
    const key = this.key('job', id);
    const body = await this.redis.get(key);
    if (!body) return undefined;
    return this.parseJob(body, key) ?? 'malformed';
  }

  async saveJob(job: Job): Promise<void> {
    const key = this.key('job', job.id);
    if (ENDED_STATUSES.has(job.status)) await this.redis.set(key, JSON.stringify(job), 'EX', FILE_TTL_S);
    else await this.redis.set(key, JSON.stringify(job));
  }

  /**
   * Writes a job's start-of-run record only over its record: false when the record is gone (Redis's data lost since
   * the worker read it), which a plain write would bring back as running for a job its owner is told was lost.
   */
  async saveStarted(job: Job): Promise<boolean> {
    return (await this.redis.set(this.key('job', job.id), JSON.stringify(job), 'XX')) === 'OK';
  }

  /**
   * Records the outcome of a job a worker had (its status set), takes it out of its run (the last one out frees
   * the worker slot) and refunds `refund` of its owner's charge, at once; false (it only left its run) when its
   * record had already ended.
   */
  async finish(job: Job, refund: number): Promise<boolean> {
    const keys = [...fairKeys(this), this.key('job', job.id), this.key('run-of')];
    const args = [job.id, JSON.stringify(job), ownerKey(job.owner), String(-refund), String(FILE_TTL_S)];
    return (await this.redis.eval(FINISH, keys.length, ...keys, ...args)) === 1;
  }

  /**
   * Puts a job its worker stopped (shutdown) back on its owner's waiting list, as `job` says it was before it
   * started, out of its run and refunding its whole charge; false when its record had already ended.
   */
  async putBack(job: Job): Promise<boolean> {
    const user = ownerKey(job.owner);
    const keys = [...fairKeys(this), this.key('job', job.id), this.key('run-of'), this.key('wait', user)];
    const args = [job.id, JSON.stringify(job), user, String(-job.estimatedCost), String(job.seq)];
    return (await this.redis.eval(PUT_BACK, keys.length, ...keys, ...args)) === 1;
  }

  /**
   * The owning front-end has taken this ended job (its result copied into its own store): its record expires in a
   * day, its owner entry, files and cancel flag go now. Idempotent: a repeated report does the same again.
   */
  async acknowledgeEnd(job: Job): Promise<void> {
    const files = [...storedFiles(job.request), ...resultFiles(job)];
    const tx = this.redis.multi();
    tx.expire(this.key('job', job.id), TAKEN_TTL_S);
    tx.hdel(this.key('owners'), job.id);
    tx.del(this.key('cancel', job.id), ...files.map((name) => this.key('file', job.id, name)));
    await tx.exec();
  }

  async frontEndOf(id: string): Promise<string | undefined> {
    return (await this.redis.hget(this.key('owners'), id)) ?? undefined;
  }

  /**
   * Stores a new job with its input files and puts it on its owner's waiting list, in one script that applies once
   * (shared-enqueue.ts), which also lifts a returning user (not one replacing held jobs) and cancels the held jobs.
   */
  async enqueue(
    job: Job,
    files: Record<string, Uint8Array>,
    frontEnd: string,
    replaces: readonly HeldJob[] = [],
  ): Promise<Replaced> {
    return enqueueOnce(this, job, files, frontEnd, replaces, FILE_TTL_S, this.onError);
  }

  /** Claims one waiting job as a run of its own (see `claimRun`). */
  async claim(job: Job): Promise<boolean> {
    return (await this.claimRun(randomUUID(), [job])).length === 1;
  }

  /**
   * Claims waiting jobs for one worker run `run`, in one step: each still on its owner's list and not held leaves
   * it, is marked handed out and charges its owner. Returns the ids claimed (a job cancelled or held meanwhile is
   * left out).
   */
  async claimRun(run: string, jobs: readonly Job[]): Promise<string[]> {
    const users = jobs.map((job) => ownerKey(job.owner));
    const keys = [
      ...fairKeys(this),
      this.key('run-of'),
      ...users.map((user) => this.key('wait', user)),
      ...jobs.map((job) => this.key('hold', job.id)),
    ];
    const args = jobs.flatMap((job, i) => [job.id, users[i] as string, String(job.estimatedCost)]);
    return (await this.redis.eval(CLAIM_RUN, keys.length, ...keys, run, ...args)) as string[];
  }

  /** The ids among `ids` that are still members of run `run` (not ended, put back or claimed again since). */
  async membersOf(run: string, ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const runs = await this.redis.hmget(this.key('run-of'), ...ids);
    return ids.filter((_, i) => runs[i] === run);
  }

  /** Makes every handed-out job that has no run (handed out before runs existed) a run of its own id. */
  async adoptRunless(): Promise<void> {
    await this.redis.eval(ADOPT_RUNLESS, 2, this.key('dispatched'), this.key('run-of'));
  }

  /** Every run not yet over, with the jobs still in it. */
  async runs(): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const [id, run] of Object.entries(await this.redis.hgetall(this.key('run-of'))))
      out.set(run, [...(out.get(run) ?? []), id]);
    return out;
  }

  async unqueue(job: Job): Promise<boolean> {
    const user = ownerKey(job.owner);
    const keys = [...fairKeys(this), this.key('wait', user)];
    return (await this.redis.eval(UNQUEUE, keys.length, ...keys, job.id, user)) === 1;
  }

  /** The job left the workers (finished, failed, cancelled) and its run: the run's last one frees its worker. */
  async release(id: string): Promise<void> {
    const tx = this.redis.multi();
    for (const name of ['dispatched', 'charged', 'run-of']) tx.hdel(this.key(name), id);
    await tx.exec();
  }

  async dispatched(): Promise<Map<string, string>> {
    return new Map(Object.entries(await this.redis.hgetall(this.key('dispatched'))));
  }

  async markCancelRequested(id: string): Promise<void> {
    await this.redis.set(this.key('cancel', id), '1', 'EX', FILE_TTL_S);
  }

  async cancelRequested(id: string): Promise<boolean> {
    return (await this.redis.exists(this.key('cancel', id))) === 1;
  }

  async writeFile(id: string, name: string, bytes: Uint8Array): Promise<void> {
    await this.redis.set(this.key('file', id, name), Buffer.from(bytes), 'EX', FILE_TTL_S);
  }

  async readFile(id: string, name: string): Promise<Buffer> {
    const bytes = await this.storedFile(id, name);
    if (!bytes) throw new Error(`job file ${name} of ${id} is not in the shared store`);
    return bytes;
  }

  /** A job's file, or undefined when Redis no longer has it (expired); a Redis error still throws. */
  async storedFile(id: string, name: string): Promise<Buffer | undefined> {
    return (await this.redis.getBuffer(this.key('file', id, name))) ?? undefined;
  }

  /**
   * A worker says it is alive for the next `ttlMs` of Redis's clock (its own may be off), taking runs of up to
   * `maxBatch` jobs and giving each `jobTimeoutMs` (runs are formed within the shortest live one, shared-snapshot.ts).
   */
  async heartbeat(workerId: string, ttlMs: number, maxBatch = 1, jobTimeoutMs?: number): Promise<void> {
    const keys = [this.key('workers'), this.key('worker-batch'), this.key('worker-timeout')];
    const args = [workerId, String(ttlMs), String(maxBatch)];
    if (jobTimeoutMs !== undefined) args.push(String(jobTimeoutMs));
    await this.redis.eval(HEARTBEAT, keys.length, ...keys, ...args);
  }

  async leaveWorkers(workerId: string): Promise<void> {
    await this.redis
      .multi()
      .zrem(this.key('workers'), workerId)
      .hdel(this.key('worker-batch'), workerId)
      .hdel(this.key('worker-timeout'), workerId)
      .exec();
  }

  /** One read of the shared state for scheduling (shared-snapshot.ts). */
  snapshot(): Promise<Snapshot> {
    return readSnapshot(this);
  }

  /**
   * Takes `name` for this caller alone for `ttlMs` (SET NX PX); false when another process (or an earlier call)
   * took it. The value is new per call: a SET whose reply a reconnection lost is sent again, finds its own value
   * and still wins.
   */
  async claimOnce(name: string, ttlMs: number): Promise<boolean> {
    const key = this.key(name);
    const holder = randomUUID();
    if ((await this.redis.set(key, holder, 'PX', ttlMs, 'NX')) === 'OK') return true;
    return (await this.redis.get(key)) === holder;
  }

  async publish(name: string, message: unknown): Promise<void> {
    await this.redis.publish(this.channel(name), JSON.stringify(message));
  }

  /**
   * Whether Redis answers now, within `timeoutMs` (for /readyz). Commands wait in the offline queue while Redis is
   * away (`maxRetriesPerRequest: null`), so a PING then would hang the probe and stay queued: none is sent unless
   * the connection is up, and a connection cut that ioredis has not noticed yet costs at most the timeout.
   */
  async reachable(timeoutMs = 1000): Promise<boolean> {
    if (this.redis.status !== 'ready') return false;
    const pong = this.redis.ping().then(
      (reply) => reply === 'PONG',
      () => false,
    );
    return within(pong, timeoutMs, false);
  }

  async close(): Promise<void> {
    this.clock.stop();
    this.closingOurselves();
    await closeConnection(this.redis);
  }
}

/** How long a stopping process waits for Redis to acknowledge a goodbye (QUIT, leaving the workers' set). */
export const GOODBYE_WAIT_MS = 2000;

/** Closes `redis` with a QUIT when it answers, else at once: a QUIT would wait for as long as Redis is away. */
export async function closeConnection(redis: Redis): Promise<void> {
  const quit = redis.status === 'ready' ? redis.quit().then(() => true) : Promise.resolve(false);
  const said = await within(
    quit.catch(() => false),
    GOODBYE_WAIT_MS,
    false,
    { unref: true },
  );
  if (!said) redis.disconnect();
}

/** The names of a stored request's images (wherever nested, a mask included): its input files. */
function storedFiles(value: unknown, names: string[] = []): string[] {
  if (isStoredImage(value)) names.push(value.file);
  else if (typeof value === 'object' && value !== null)
    for (const inner of Object.values(value)) storedFiles(inner, names);
  return names;
}

/** Deletes every key under the prefix (tests; an operator resetting a queue). */
export async function removeAllKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}
