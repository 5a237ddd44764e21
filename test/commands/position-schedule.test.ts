import { describe, expect, it } from 'vitest';
import { positionMilestones, positionWorthShowing } from '../../commands/position-schedule.js';

describe('queue-position update schedule', () => {
  it('shows every position up to 7, then a geometric ladder', () => {
    expect(positionMilestones(30)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 9, 11, 14, 18, 23, 29]);
  });

  it('shows the first position, then only moves to another rung, up or down', () => {
    expect(positionWorthShowing(undefined, 500)).toBe(true);
    expect(positionWorthShowing(25, 24)).toBe(false); // both on rung 23
    expect(positionWorthShowing(24, 22)).toBe(true); // crossed 23
    expect(positionWorthShowing(7, 6)).toBe(true);
    expect(positionWorthShowing(6, 6)).toBe(false);
    expect(positionWorthShowing(9, 14)).toBe(true); // newcomers put ahead
  });

  it('keeps edits logarithmic in the queue length while a long queue drains', () => {
    let shown: number | undefined;
    let edits = 0;
    for (let ahead = 1000; ahead >= 0; ahead--) {
      if (positionWorthShowing(shown, ahead)) {
        shown = ahead;
        edits += 1;
      }
    }
    expect(edits).toBeLessThan(40);
    expect(shown).toBe(0);
  });
});
