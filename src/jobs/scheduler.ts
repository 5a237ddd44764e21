// Fair share of the single model between users: a virtual token counter (VTC, arXiv 2401.00588) per user counts the
// service received in cost units. The next job belongs to the backlogged user with the smallest counter; a user who
// comes back after being idle is lifted to the smallest counter among active users (to the floor the queue keeps when
// nobody is active, fair-counters.ts), so idle time is not banked.
// Two priority classes (admins' jobs are 'high'); while high jobs wait, a normal job that has waited `agingMs` is
// promoted, so nothing starves behind them. Without high jobs aging stays out of it: promoting a long backlog would
// put the heaviest user ahead of everyone who arrived later (bench/scheduler.ts measured light users' p95 wait
// rising from ~150 s to ~650 s). The same rules run as a dry run to give honest "jobs ahead of yours" positions.
// p-queue is not used here: its priorities are static and FIFO within a priority, which is exactly the unfairness
// this scheduler exists to avoid. Dry runs charge a `TrialCounters` over the real counters, so each costs what it
// charges, not a copy of every user's counter.

export interface Candidate {
  id: string;
  user: string;
  seq: number;
  cost: number;
  priority: 'normal' | 'high';
  createdAt: number;
  /** Jobs with equal keys may share a batch (same task and shape). */
  batchKey?: string;
}

/** What the scheduler reads of the fairness counters: a user's counter, if known. */
export type CounterLookup = Pick<ReadonlyMap<string, number>, 'get'>;

/**
 * How long a run may be expected to take: every member of a run gets the whole job timeout from the run's start, and
 * the run takes about the sum of its members' expected times (its ETA, wait-plan.ts). `ms` is one job's share;
 * `limitMs` is kept under the timeout by a margin (`runBudget`).
 */
export interface RunBudget {
  limitMs: number;
  ms(c: Candidate): number;
}

export interface SchedulerOptions {
  agingMs: number;
  maxRunningPerUser: number;
}

export class FairScheduler {
  constructor(private readonly options: SchedulerOptions) {}

  private effectivePriority(c: Candidate, now: number, contested: boolean): number {
    if (c.priority === 'high') return 1;
    return contested && now - c.createdAt >= this.options.agingMs ? 1 : 0;
  }

  /** The fair-next job among `queued`, skipping users already at their running cap. */
  pick(
    queued: readonly Candidate[],
    counters: CounterLookup,
    running: ReadonlyMap<string, number>,
    now: number,
  ): Candidate | undefined {
    let best: Candidate | undefined;
    let bestKey: [number, number, number] | undefined;
    const contested = queued.some((c) => c.priority === 'high');
    const rank = (c: Candidate) => this.effectivePriority(c, now, contested);
    const oldestOfUser = new Map<string, Candidate>();
    for (const c of queued) {
      const known = oldestOfUser.get(c.user);
      const better = !known || rank(c) > rank(known) || (rank(c) === rank(known) && c.seq < known.seq);
      if (better) oldestOfUser.set(c.user, c);
    }
    for (const [user, c] of oldestOfUser) {
      if ((running.get(user) ?? 0) >= this.options.maxRunningPerUser) continue;
      const key: [number, number, number] = [-rank(c), counters.get(user) ?? 0, c.seq];
      if (!bestKey || compare(key, bestKey) < 0) {
        best = c;
        bestKey = key;
      }
    }
    return best;
  }

  /**
   * The fair-next job, then up to `max − 1` more of the same batch key, each chosen fairly among those left, while
   * the run's expected time stays within `budget`: a member past it would have the timeout end the whole run (each
   * job admitted alone fits, so the first is always taken). The next fair one not fitting ends the batch, rather
   * than a later one that fits jumping ahead of it.
   */
  pickBatch(
    queued: readonly Candidate[],
    counters: CounterLookup,
    running: ReadonlyMap<string, number>,
    now: number,
    max: number,
    budget?: RunBudget,
  ): Candidate[] {
    const first = this.pick(queued, counters, running, now);
    if (!first) return [];
    const batch = [first];
    if (first.batchKey === undefined || max <= 1) return batch;
    const trial = new TrialCounters(counters);
    const busy = new Map(running);
    trial.charge(first.user, first.cost);
    busy.set(first.user, (busy.get(first.user) ?? 0) + 1);
    let left = queued.filter((c) => c.id !== first.id && c.batchKey === first.batchKey);
    let runMs = budget?.ms(first) ?? 0;
    while (batch.length < max) {
      const next = this.pick(left, trial, busy, now);
      if (!next) break;
      if (budget) {
        runMs += budget.ms(next);
        if (runMs > budget.limitMs) break;
      }
      batch.push(next);
      trial.charge(next.user, next.cost);
      busy.set(next.user, (busy.get(next.user) ?? 0) + 1);
      left = left.filter((c) => c.id !== next.id);
    }
    return batch;
  }

  /** Dry run: the order in which the queued jobs would start if nobody new arrived. */
  order(queued: readonly Candidate[], counters: CounterLookup, now: number): Candidate[] {
    const trial = new TrialCounters(counters);
    const none = new Map<string, number>();
    let left = [...queued];
    const out: Candidate[] = [];
    while (left.length > 0) {
      const next = this.pick(left, trial, none, now);
      if (!next) break;
      out.push(next);
      trial.charge(next.user, next.cost);
      left = left.filter((c) => c.id !== next.id);
    }
    return out;
  }
}

export function charge(counters: Map<string, number>, user: string, cost: number): void {
  counters.set(user, (counters.get(user) ?? 0) + cost);
}

/**
 * The counters as a dry run charges them: its charges are kept apart and read over the real counters, which it
 * never changes.
 */
export class TrialCounters implements CounterLookup {
  private readonly charged = new Map<string, number>();

  constructor(private readonly base: CounterLookup) {}

  get(user: string): number | undefined {
    return this.charged.get(user) ?? this.base.get(user);
  }

  charge(user: string, cost: number): void {
    this.charged.set(user, (this.get(user) ?? 0) + cost);
  }
}

/**
 * A user becoming active again starts no lower than the least-served active user. `floor` (fair-counters.ts) is
 * where a user with no counter kept starts, and where anyone starts who finds nobody active; without it a user
 * never seen starts at 0 and one finding nobody active keeps their own counter.
 */
export function liftReturningUser(
  counters: Pick<Map<string, number>, 'get' | 'set'>,
  user: string,
  activeUsers: Iterable<string>,
  floor?: number,
): number {
  const counterOf = (u: string) => counters.get(u) ?? floor ?? 0;
  let least: number | undefined;
  for (const other of activeUsers) {
    if (other === user) continue;
    const c = counterOf(other);
    least = least === undefined ? c : Math.min(least, c);
  }
  const own = counterOf(user);
  const lifted = Math.max(own, least ?? floor ?? own);
  counters.set(user, lifted);
  return lifted;
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return 0;
}
