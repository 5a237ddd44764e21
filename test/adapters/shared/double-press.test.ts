// A double tap is one press; a press after the window is a new one, whatever the wall clock did in between.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DOUBLE_PRESS_MS, DoublePresses } from '../../../adapters/shared/double-press.js';
import { buttonId } from '../../../commands/index.js';

describe('double presses', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('takes a second press within the window as a repeat, and one after it as a new press', () => {
    vi.useFakeTimers({ now: 0 });
    const presses = new DoublePresses();
    const reroll = buttonId('reroll', 'job-1');
    expect(presses.repeated('u1', 'm1', reroll)).toBe(false);
    vi.advanceTimersByTime(DOUBLE_PRESS_MS / 2);
    expect(presses.repeated('u1', 'm1', reroll)).toBe(true);
    expect(presses.repeated('u2', 'm1', reroll)).toBe(false);
    vi.advanceTimersByTime(DOUBLE_PRESS_MS * 2);
    expect(presses.repeated('u1', 'm1', reroll)).toBe(false);
  });

  it('lets a deliberate second press through after the window when the wall clock was set back meanwhile', () => {
    vi.useFakeTimers({ now: 10 * 3_600_000 });
    const presses = new DoublePresses();
    const reroll = buttonId('reroll', 'job-1');
    expect(presses.repeated('u1', 'm1', reroll)).toBe(false);
    vi.setSystemTime(3_600_000); // NTP or a resumed VM: nine hours back
    vi.advanceTimersByTime(DOUBLE_PRESS_MS * 2);
    expect(presses.repeated('u1', 'm1', reroll)).toBe(false);
  });
});
