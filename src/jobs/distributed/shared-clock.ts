// The one clock every process of the shared queue stamps shared records with: Redis's (`TIME`). Front-ends and
// workers run on machines whose clocks may be minutes apart, and a job's age (fair-share aging), a run's elapsed time
// (ETAs) and a held job's end compare stamps written by different machines. The offset between this machine's clock
// and Redis's is measured once connected, again after every reconnection and every `resyncMs`, so reading the time
// costs no round trip.
import type { Redis } from 'ioredis';

/** How often the offset is measured again: a machine's clock drifts, or is stepped by NTP. */
const RESYNC_MS = 60_000;

/**
 * A reading whose round trip took longer is not used: the reply's moment is then unknown to within half of it. A
 * TIME sent during an outage waits in the offline queue until Redis is back, and would be off by half the outage.
 */
const MAX_ROUND_TRIP_MS = 1000;

/** Readings tried per measurement: the first after an outage is the stale one, the next is quick. */
const TRIES = 3;

/** A step back smaller than this (a re-measured offset, jitter) is held at the last time read; a larger one is taken. */
const HOLD_BACK_MS = 1000;

export class SharedClock {
  /** Redis's time minus this machine's, as last measured (0 until then: this machine's own clock). */
  private offsetMs = 0;
  /** The last time read, so that stamps taken one after another never go back over a re-measurement. */
  private last = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private measuring: Promise<void> | undefined;
  /** Settles once the offset was first measured (or measuring failed: this machine's clock until the next try). */
  readonly synced: Promise<void>;

  constructor(
    private readonly redis: Pick<Redis, 'time' | 'on'>,
    /** This machine's clock (tests give a skewed one). */
    private readonly localNow: () => number = Date.now,
    resyncMs = RESYNC_MS,
  ) {
    this.synced = this.sync();
    redis.on('ready', () => void this.sync());
    this.timer = setInterval(() => void this.sync(), resyncMs);
    this.timer.unref();
  }

  /** Redis's time now, in milliseconds, as this machine's clock and the measured offset say. */
  now(): number {
    const t = Math.round(this.localNow() + this.offsetMs);
    if (t < this.last && this.last - t < HOLD_BACK_MS) return this.last;
    this.last = t;
    return t;
  }

  /** The offset this process applies (metrics, tests). */
  get offset(): number {
    return this.offsetMs;
  }

  /**
   * Measures the offset again: Redis's TIME against the middle of the round trip. One measurement at a time; a
   * failure keeps the last offset (Redis away: nothing is stamped for it meanwhile anyway).
   */
  sync(): Promise<void> {
    this.measuring ??= this.measure().finally(() => {
      this.measuring = undefined;
    });
    return this.measuring;
  }

  private async measure(): Promise<void> {
    try {
      for (let i = 0; i < TRIES; i++) {
        const before = this.localNow();
        const [seconds, micros] = await this.redis.time();
        const after = this.localNow();
        if (after - before > MAX_ROUND_TRIP_MS) continue;
        this.offsetMs = Number(seconds) * 1000 + Number(micros) / 1000 - (before + after) / 2;
        return;
      }
    } catch {
      // Kept: the next reconnection or resync measures again.
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
