// Per-user submissions per minute, on top of the queue's caps: a sliding window of the last minute's accepts.
// Kept in memory on purpose: a restart forgetting the last minute is harmless.

const WINDOW_MS = 60_000;

export class RateLimiter {
  private readonly recent = new Map<string, number[]>();

  /** `perMinute` 0 turns the limit off. */
  constructor(private readonly perMinute: number) {}

  /** Milliseconds until `user` may submit again; 0 when allowed now. */
  retryAfter(user: string, now: number): number {
    if (this.perMinute <= 0) return 0;
    const times = this.prune(user, now);
    if (times.length < this.perMinute) return 0;
    return (times[times.length - this.perMinute] as number) + WINDOW_MS - now;
  }

  record(user: string, now: number): void {
    if (this.perMinute <= 0) return;
    const times = this.prune(user, now);
    times.push(now);
    this.recent.set(user, times);
  }

  private prune(user: string, now: number): number[] {
    const times = (this.recent.get(user) ?? []).filter((t) => now - t < WINDOW_MS);
    if (times.length === 0) this.recent.delete(user);
    else this.recent.set(user, times);
    return times;
  }
}
