// Which queue-position changes are worth a message edit. Every position from 7 down is shown; above that only
// crossings of a geometric ladder (9, 11, 14, 18, 23, … each about 1.27× the last), so a long queue does not turn
// every finished job into one edit per waiting user (Telegram's flood limits; ed-asriyan/lottie-converter#26).

const DENSE_UP_TO = 7;
const RATIO = 1.27;

function buildLadder(): number[] {
  const ladder: number[] = [];
  for (let n = 0; n <= DENSE_UP_TO; n++) ladder.push(n);
  let last = DENSE_UP_TO;
  while (last < 1_000_000) {
    last = Math.max(last + 1, Math.round(last * RATIO));
    ladder.push(last);
  }
  return ladder;
}

const LADDER = buildLadder();

/** The rungs of the ladder from the bottom: 0, 1, … 7, 9, 11, 14, 18, 23, 29, … */
export function positionMilestones(upTo: number): number[] {
  return LADDER.filter((n) => n <= upTo);
}

/** Index of the highest rung at or below `ahead`: two positions on the same step read the same to a user. */
function rungOf(ahead: number): number {
  let lo = 0;
  let hi = LADDER.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((LADDER[mid] as number) <= Math.max(0, ahead)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * True when a position update should be shown: the first one always, later ones when the position moved to
 * another rung (up or down: a fair scheduler can put newcomers ahead).
 */
export function positionWorthShowing(lastShown: number | undefined, ahead: number): boolean {
  return lastShown === undefined || rungOf(lastShown) !== rungOf(ahead);
}
