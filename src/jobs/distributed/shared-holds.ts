// Holds on jobs waiting in the shared queue, for the submission that replaces them (an edited request; holds.ts has
// the contract). The dispatcher may run in any process and claim any waiting job, so a hold is state in Redis that
// the claim script honours: one key per held job naming its hold, with an expiry this front-end renews while the
// hold lasts, so that one dying mid-edit leaves its jobs held for one expiry at most. The replacing submission
// cancels them in the script that stores it (REPLACE, run by shared-enqueue.ts): a crash before it leaves the old
// request waiting (held a little longer), never neither request. Refused, it deletes the keys and the jobs wait as before.
import { randomUUID } from 'node:crypto';
import { HoldBase } from '../holds.js';
import type { JobHold, SubmitInput } from '../queue-types.js';
import type { Job } from '../types.js';
import { ownerKey } from '../types.js';
import { fairKeyType } from './shared-fairness.js';
import type { SharedState } from './shared-state.js';

/**
 * How long a hold outlives the front-end that renews it (every third of it). Only a front-end that died mid-edit,
 * or lost Redis that long, lets it run out: its jobs then wait that much longer to start, about what a restart of
 * it takes anyway. Shorter, two missed renewals (a stalled event loop, a Redis reconnection) would let a worker
 * take a job under an edit, and the replacement would then have to stop it mid-run.
 */
export const HOLD_TTL_MS = 30_000;

/**
 * KEYS: each job's owner's waiting list, then each job's hold key. ARGV: hold, ttl ms, the job ids. All or none:
 * every job must still wait (no worker claimed it meanwhile) and be held by no other hold. 1 when held.
 */
const HOLD = `
local n = #KEYS / 2
for i = 1, n do
  if not redis.call('ZSCORE', KEYS[i], ARGV[2 + i]) then return 0 end
  local holder = redis.call('GET', KEYS[n + i])
  if holder and holder ~= ARGV[1] then return 0 end
end
for i = 1, n do redis.call('SET', KEYS[n + i], ARGV[1], 'PX', ARGV[2]) end
return 1`;

/** KEYS: hold keys. ARGV: hold, ttl ms. Renews the keys still this hold's. */
const RENEW = `
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('PEXPIRE', key, ARGV[2]) end
end
return 1`;

/** KEYS: hold keys. ARGV: hold. Deletes the keys still this hold's (never another's, taken after ours ran out). */
const RELEASE = `
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('DEL', key) end
end
return 1`;

/** REPLACE's first keys' Redis types: the fairness keys it changes (waiting users, dispatched), as they are kept. */
const REPLACE_KINDS = [fairKeyType('waiting'), fairKeyType('dispatched')];
/** Each held job's keys' types: its owner's waiting list, hold key, record and cancel flag. */
const HELD_KINDS = ['zset', 'string', 'string', 'string'];

/** Redis type names as a Lua table's items, for a script that checks its keys' types. */
export function luaList(kinds: readonly string[]): string {
  return kinds.map((kind) => `'${kind}'`).join(', ');
}

/**
 * KEYS: waiting users, dispatched, then per job its owner's waiting list, hold key, record and cancel flag. ARGV:
 * record ttl s, then per job its id, owner key, hold and cancelled record. Each job still this hold's (or no
 * hold's: ours ran out) is cancelled: taken off its list if it still waits, else, if a worker has it (it was
 * claimed before the hold was written, or after it ran out), flagged as a cancel would. A job another hold took
 * is left to that one. Returns the ids cancelled and the ids flagged. Every key's type is checked before the first
 * change, and a foreign one raised: met midway (a key another program wrote under our prefix), the error would
 * report none cancelled while the jobs before it were, their owners never told.
 */
export const REPLACE = `
local kinds = { ${luaList(REPLACE_KINDS)} }
local each = { ${luaList(HELD_KINDS)} }
for i = 1, #KEYS do
  local want = kinds[i] or each[(i - #kinds - 1) % #each + 1]
  local kind = redis.call('TYPE', KEYS[i]).ok
  if kind ~= 'none' and kind ~= want then
    error('WRONGTYPE ' .. KEYS[i] .. ' holds a ' .. kind .. ', not a ' .. want, 0)
  end
end
local cancelled, flagged = {}, {}
for i = 0, (#KEYS - 2) / 4 - 1 do
  local wait, hold, record, flag = KEYS[3 + i * 4], KEYS[4 + i * 4], KEYS[5 + i * 4], KEYS[6 + i * 4]
  local id, user, holder, ended = ARGV[2 + i * 4], ARGV[3 + i * 4], ARGV[4 + i * 4], ARGV[5 + i * 4]
  local current = redis.call('GET', hold)
  if current == false or current == holder then
    redis.call('DEL', hold)
    if redis.call('ZREM', wait, id) == 1 then
      if redis.call('ZCARD', wait) == 0 then redis.call('SREM', KEYS[1], user) end
      redis.call('SET', record, ended, 'EX', ARGV[1])
      cancelled[#cancelled + 1] = id
    elseif redis.call('HEXISTS', KEYS[2], id) == 1 then
      redis.call('SET', flag, '1', 'EX', ARGV[1])
      flagged[#flagged + 1] = id
    end
  end
end
return { cancelled, flagged }`;

/** A held job its replacement cancels: its record as cancelled, and the hold it was taken under. */
export interface HeldJob {
  job: Job;
  hold: string;
}

/** What a replacement's REPLACE script did to the held jobs: cancelled waiting, or flagged for a worker having it. */
export interface Replaced {
  cancelled: Job[];
  flagged: string[];
}

/** Tells the owners' front-ends of the jobs cancelled, and the workers of those they must stop (as a cancel does). */
export async function announceReplaced(state: SharedState, replaced: Replaced): Promise<void> {
  for (const job of replaced.cancelled) {
    const frontEnd = await state.frontEndOf(job.id);
    if (frontEnd) await state.publish(`events:${frontEnd}`, { type: 'cancelled', job });
  }
  for (const id of replaced.flagged) await state.publish('cancel', { id });
}

class SharedHold extends HoldBase {
  readonly token = randomUUID();
  /** Settles once the hold was written to Redis (or could not be: its jobs were claimed first). */
  placed: Promise<unknown> = Promise.resolve();
  renewal: NodeJS.Timeout | undefined;

  constructor(
    readonly owner: string,
    readonly jobs: readonly Job[],
    private readonly onEnd: (hold: SharedHold) => void,
  ) {
    super();
  }

  protected ended(): void {
    this.onEnd(this);
  }
}

/** What a submission makes of the holds it names (holds.ts's Claim, with the Redis side). */
export interface SharedClaim {
  /** The waiting jobs the caps count: all but the held ones it replaces. */
  counted: Job[];
  /** The held jobs it replaces, for the script that stores it (REPLACE within ENQUEUE) to cancel. */
  replaced: HeldJob[];
  /** Settles once the holds are in Redis: their replacement is written after them. */
  placed: Promise<unknown>;
  end(admitted: boolean): void;
}

export interface FrontHoldsOptions {
  state: SharedState;
  /** HOLD_TTL_MS unless given (tests). */
  holdTtlMs?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

/** A front-end's holds: answered at once from what it knows of the queue, written through to Redis in order. */
export class FrontHolds {
  private readonly byJob = new Map<string, SharedHold>();
  private readonly writes = new Set<Promise<unknown>>();

  /**
   * `settled`: once this front-end's writes in flight for these jobs are done. A job whose submission is still on
   * its way cannot be held in Redis yet; a released hold must not let a worker take a job its owner is cancelling.
   */
  constructor(
    private readonly options: FrontHoldsOptions,
    private readonly settled: (ids: readonly string[]) => Promise<unknown>,
  ) {}

  private get ttlMs(): number {
    return this.options.holdTtlMs ?? HOLD_TTL_MS;
  }

  /**
   * A hold on `jobs` (waiting as this front-end knows them; undefined for one that is not): each `owner`'s and not
   * held here already; else undefined. A worker may have claimed one before the hold reached Redis: then the hold
   * holds none there, and its replacement cancels that job as a cancel would (the edit did ask for that).
   */
  hold(jobs: ReadonlyArray<Job | undefined>, owner: string): JobHold | undefined {
    const holdable = (job: Job | undefined): job is Job =>
      job !== undefined && ownerKey(job.owner) === owner && !this.byJob.has(job.id);
    if (jobs.length === 0 || !jobs.every(holdable)) return undefined;
    const unique = [...new Map(jobs.map((job) => [job.id, job])).values()];
    const hold = new SharedHold(owner, unique, (ended) => this.ended(ended));
    for (const job of unique) this.byJob.set(job.id, hold);
    hold.placed = this.track(this.place(hold));
    hold.renewal = setInterval(() => void this.track(this.renew(hold)), Math.floor(this.ttlMs / 3));
    hold.renewal.unref();
    return hold;
  }

  /** The holds `input.replaces` names (only its owner's) among the `queued` jobs. */
  claim(queued: readonly Job[], input: Pick<SubmitInput, 'owner' | 'replaces'>): SharedClaim {
    const holds = new Set<SharedHold>();
    for (const id of input.replaces ?? []) {
      const hold = this.byJob.get(id);
      if (hold?.owner === ownerKey(input.owner)) holds.add(hold);
    }
    const held = new Set([...holds].flatMap((hold) => hold.jobs.map((job) => job.id)));
    const now = this.options.state.now();
    return {
      counted: queued.filter((job) => !held.has(job.id)),
      // Every job of the holds, waiting or not as far as this front-end knows: Redis decides (REPLACE).
      replaced: [...holds].flatMap((hold) =>
        hold.jobs.map((job) => ({
          job: { ...(queued.find((q) => q.id === job.id) ?? job), status: 'cancelled', finishedAt: now },
          hold: hold.token,
        })),
      ),
      placed: Promise.all([...holds].map((hold) => hold.placed)),
      end: (admitted) => {
        for (const hold of holds) hold.end(admitted ? 'replaced' : 'released');
      },
    };
  }

  private async place(hold: SharedHold): Promise<void> {
    const { state } = this.options;
    const ids = hold.jobs.map((job) => job.id);
    await this.settled(ids);
    const keys = [
      ...hold.jobs.map((job) => state.key('wait', ownerKey(job.owner))),
      ...ids.map((id) => state.key('hold', id)),
    ];
    const placed = await state.redis.eval(HOLD, keys.length, ...keys, hold.token, String(this.ttlMs), ...ids);
    if (placed !== 1)
      this.options.log?.('info', 'a job to hold for an edit had left the waiting list', { jobs: ids });
  }

  private async renew(hold: SharedHold): Promise<void> {
    const keys = hold.jobs.map((job) => this.options.state.key('hold', job.id));
    await this.options.state.redis.eval(RENEW, keys.length, ...keys, hold.token, String(this.ttlMs));
  }

  private ended(hold: SharedHold): void {
    clearInterval(hold.renewal);
    for (const job of hold.jobs) this.byJob.delete(job.id);
    // Replaced: the script that stored the replacement (REPLACE) deleted the keys as it cancelled the jobs.
    if (hold.state !== 'released') return;
    const { state } = this.options;
    const keys = hold.jobs.map((job) => state.key('hold', job.id));
    // After the cancels asked in the same turn (an edit that asked for no job: released and cancelled at once).
    const release = hold.placed.then(async () => {
      await this.settled(hold.jobs.map((job) => job.id));
      await state.redis.eval(RELEASE, keys.length, ...keys, hold.token);
      // The dispatcher skipped them while held: a free worker may take one now.
      await state.publish('wake', { ids: hold.jobs.map((job) => job.id) });
    });
    void this.track(release);
  }

  /** A write in flight; a failure is logged (a hold left in Redis runs out by itself). */
  private track(write: Promise<unknown>): Promise<unknown> {
    const tracked = write.catch((error: unknown) => {
      this.options.log?.('warn', 'writing a hold to the shared queue failed', { error: String(error) });
    });
    this.writes.add(tracked);
    void tracked.finally(() => this.writes.delete(tracked));
    return tracked;
  }

  /** Stops renewing (shutdown: a hold still open runs out in Redis) and waits for the writes in flight. */
  async close(): Promise<void> {
    for (const hold of new Set(this.byJob.values())) clearInterval(hold.renewal);
    await Promise.all(this.writes);
  }
}
