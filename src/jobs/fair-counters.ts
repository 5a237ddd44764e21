// The fairness counters the single-process queue keeps, in memory and in the `fairness` table, and the ones it lets
// go. A user coming back is lifted to the least counter among the active users (scheduler.ts), so an idle user whose
// counter is at or below every counter an active user can still have carries nothing: kept or not, they come back
// at that least counter. The floor is a bound on those counters, raised as jobs end (`settle`); idle users at or
// below it are forgotten, and a user without a counter starts at the floor, which is also the least anyone starts at
// who finds nobody else active (VTC lifts them to the counter of the last user who left). Without it a user never
// seen, or one forgotten, arriving at an empty queue would start at 0 (or their own old, lower counter) and go ahead
// of every returning user until they had caught up with the whole history. So memory and the table hold the active users and those still ahead of
// the floor (the ones with a debt to keep), not every user ever seen, and scheduling decisions do not depend on
// whether a user was forgotten, nor on a restart.
import { liftReturningUser } from './scheduler.js';
import type { JobStore } from './store.js';

type CounterStore = Pick<
  JobStore,
  'counters' | 'forgetCounters' | 'fairnessFloor' | 'setFairnessFloor' | 'transaction'
>;

export class FairCounters {
  /** Counters of the users kept; the job transitions charge and refund them here. */
  readonly counters: Map<string, number>;
  private floorValue: number;
  /** The floor as the table holds it. */
  private storedFloor: number;

  constructor(private readonly store: CounterStore) {
    this.counters = store.counters();
    this.floorValue = store.fairnessFloor();
    this.storedFloor = this.floorValue;
  }

  /** Where a user without a counter, or one finding nobody active, starts; it never goes down. */
  get floor(): number {
    return this.floorValue;
  }

  /** Lifts a user becoming active (not among `active`) and returns the counter to store. */
  lift(user: string, active: Iterable<string>): number {
    return liftReturningUser(this.counters, user, active, this.floorValue);
  }

  /**
   * After jobs ended or a waiting one was cancelled: `active` holds each user with a waiting or running job and what
   * their running jobs were charged (a refund can take it back), `leaving` the owners of the jobs that just ended.
   * Raises the floor to the least counter an active user can still have (the leaving users counted as active, as
   * they were until now) and forgets the idle users at or below it. Both are stored in one transaction; a user is
   * forgotten in memory only once the table has let them go.
   */
  settle(active: ReadonlyMap<string, number>, leaving: Iterable<string>): void {
    const lows = [...active].map(([user, charged]) => this.counterOf(user) - charged);
    for (const user of leaving) lows.push(this.counterOf(user));
    // Raised in memory at once, so this process decides the same whether or not the table takes it now.
    if (lows.length > 0) this.floorValue = Math.max(this.floorValue, Math.min(...lows));
    const idle: string[] = [];
    for (const [user, counter] of this.counters)
      if (counter <= this.floorValue && !active.has(user)) idle.push(user);
    const floor = this.floorValue;
    if (floor === this.storedFloor && idle.length === 0) return;
    try {
      this.store.transaction(() => {
        if (floor !== this.storedFloor) this.store.setFairnessFloor(floor);
        this.store.forgetCounters(idle);
      });
    } catch {
      // A table that refuses the write (a full disk) keeps them a while longer: the next call tries again, and kept
      // counters decide exactly as forgotten ones would.
      return;
    }
    this.storedFloor = floor;
    for (const user of idle) this.counters.delete(user);
  }

  private counterOf(user: string): number {
    return this.counters.get(user) ?? this.floorValue;
  }
}
