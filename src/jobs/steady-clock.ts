// The wall-clock time a sweep that removes users' files may act on. The system clock can step (an NTP correction,
// a VM resumed with a wrong clock, an operator's `date -s`): a step forward by months would make every result look
// expired at once, and files removed are gone for good. So within a process this time advances at most twice as
// fast as the monotonic clock: a wrong step forward is followed slowly (an hour's error after an hour), never in
// one jump, while a real gap the monotonic clock did not see (a suspended VM) is caught up in as long again. A step
// back is followed at once: it only keeps files longer.

export interface SteadyClockOptions {
  /** The system's wall clock (ms since the epoch). */
  wall: () => number;
  /** A clock that never steps (ms), `performance.now` by default. */
  monotonic?: () => number;
}

export class SteadyWallClock {
  private readonly monotonic: () => number;
  private last: { at: number; mono: number } | undefined;

  constructor(private readonly options: SteadyClockOptions) {
    this.monotonic = options.monotonic ?? (() => performance.now());
  }

  /** The time to act on now, and how far the wall clock is ahead of it (0 when it is not). */
  now(): { at: number; aheadMs: number } {
    const wall = this.options.wall();
    const mono = this.monotonic();
    const at =
      this.last === undefined ? wall : Math.min(wall, this.last.at + 2 * Math.max(0, mono - this.last.mono));
    this.last = { at, mono };
    return { at, aheadMs: wall - at };
  }
}
