// Per-user submissions per minute, on top of the queue's caps: a sliding window of the last minute's accepts.
// In one process it is kept in memory on purpose: a restart forgetting the last minute is harmless. Front-ends of a
// shared queue count in the queue's window instead, or each would give the user the whole limit again.
import type { RateSlot, TakeRateSlot } from '../src/jobs/index.js';
import { RecentIds } from '../src/recent-ids.js';

const WINDOW_MS = 60_000;
const REPLACEMENTS_KEPT = 1000;

/** A submission no limit counts (none set, or one that stands for a request already counted). */
export const UNCOUNTED: RateSlot = { ok: true, release: async () => undefined };

export class RateLimiter {
  private readonly recent = new Map<string, number[]>();
  /** Bounded: a replacement comes within seconds of the job it replaces. */
  private readonly replaced = new RecentIds(REPLACEMENTS_KEPT);
  private sweptAt = 0;

  /** `perMinute` 0 turns the limit off; `shared` is the queue's window when several front-ends share it. */
  constructor(
    private readonly perMinute: number,
    private readonly shared?: TakeRateSlot,
  ) {}

  /**
   * Counts a submission of `user` unless the limit refuses it (never for an `exempt` one), in one step: release
   * the slot if the submission is refused after all.
   */
  async take(user: string, now: number, exempt = false): Promise<RateSlot> {
    if (this.perMinute <= 0) return UNCOUNTED;
    if (this.shared) {
      try {
        return await this.shared({ user, limit: this.perMinute, windowMs: WINDOW_MS, exempt });
      } catch {
        // Fails open: a shared queue that cannot be reached now would otherwise refuse every submission (or hold
        // it until Redis is back), and the jobs themselves still wait in its durable queue. Counted here meanwhile,
        // a user gets at most the limit on each front-end.
      }
    }
    return this.takeLocal(user, now, exempt);
  }

  /** Users with a submission still inside the window. */
  get trackedUsers(): number {
    return this.recent.size;
  }

  private takeLocal(user: string, now: number, exempt: boolean): RateSlot {
    this.sweep(now);
    const times = this.prune(user, now);
    if (!exempt && times.length >= this.perMinute)
      return { ok: false, retryAfterMs: (times[times.length - this.perMinute] as number) + WINDOW_MS - now };
    times.push(now);
    this.recent.set(user, times);
    return {
      ok: true,
      release: async () => {
        const kept = this.recent.get(user) ?? [];
        const at = kept.indexOf(now);
        if (at >= 0) kept.splice(at, 1);
        if (kept.length === 0) this.recent.delete(user);
      },
    };
  }

  /**
   * True once per job id: a user's waiting job that their edit replaced (cancelled for the edited request) lets the
   * replacement past the limit, once, as the request it stands for was already counted.
   */
  replacementOnce(jobId: string): boolean {
    return this.replaced.add(jobId);
  }

  /**
   * At most once a window, forgets users whose newest submission left it: `prune` only sees a user who comes back,
   * so everyone who ever submitted once would otherwise stay in memory for the life of the process.
   */
  private sweep(now: number): void {
    // A sweep "after now" is a clock stepped back: sweep again rather than wait until the clock gets back there.
    if (now >= this.sweptAt && now - this.sweptAt < WINDOW_MS) return;
    this.sweptAt = now;
    for (const [user, times] of this.recent)
      if (now - (times[times.length - 1] as number) >= WINDOW_MS) this.recent.delete(user);
  }

  private prune(user: string, now: number): number[] {
    // A submission "after now" is a clock stepped back (an NTP correction): counted as made now, so the window
    // reopens within the minute, not once the clock has caught up with it (an hour's step: an hour refused).
    const times = (this.recent.get(user) ?? [])
      .map((t) => Math.min(t, now))
      .filter((t) => now - t < WINDOW_MS);
    if (times.length === 0) this.recent.delete(user);
    else this.recent.set(user, times);
    return times;
  }
}
