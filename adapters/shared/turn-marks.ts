// When the latest turn on each message (or list) began, kept after it ended: a list made before it must not land
// over it (each adapter's source-replacement.ts `showWhenKnown`). Bounded; one forgotten is let land, as before.

/** Messages whose latest turn's beginning is kept. */
const MAX_BEGUN = 500;

export class TurnMarks {
  /** The count of turns begun when each message's latest one began, oldest first. */
  private readonly begun = new Map<string, number>();
  private soFar = 0;

  /** A turn on `key` begins now. */
  begin(key: string): void {
    this.soFar += 1;
    // Re-inserted, so the oldest noted are the first forgotten.
    this.begun.delete(key);
    this.begun.set(key, this.soFar);
    for (const oldest of this.begun.keys()) {
      if (this.begun.size <= MAX_BEGUN) break;
      this.begun.delete(oldest);
    }
  }

  /** A mark of how many turns have begun so far: `since` compares a message's latest one with it. */
  mark(): number {
    return this.soFar;
  }

  /** Whether a turn on `key` began after `mark` (one of `mark()`). */
  since(key: string, mark: number): boolean {
    return (this.begun.get(key) ?? 0) > mark;
  }
}
