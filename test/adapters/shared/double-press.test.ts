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

  it('never takes a press on a button that acts in place as a repeat: a second Refresh shows the list as it now is', () => {
    vi.useFakeTimers({ now: 0 });
    const presses = new DoublePresses();
    for (const action of ['queue_refresh', 'queue_cancel', 'cancel'] as const) {
      const id = buttonId(action, '0b6e1c2a-5d4f-4e8b-9a7c-3f2e1d0c9b8a');
      expect(presses.repeated('u1', 'm1', id)).toBe(false);
      vi.advanceTimersByTime(DOUBLE_PRESS_MS / 4);
      expect(presses.repeated('u1', 'm1', id)).toBe(false);
    }
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
