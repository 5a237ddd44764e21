// A double click (or tap) on a button: Discord sends two interactions and Telegram two callback queries, each with
// its own id, so replay protection does not see it. The second press of the same button by the same user on the same message within a short window starts
// nothing; a deliberate second press (a second re-roll) comes later than that.

import { type ButtonAction, parseButtonId } from '../../commands/index.js';
import { IN_PLACE_ACTIONS } from './in-place.js';

/**
 * Buttons that act on their own message and change nothing twice: never a repeat (a refused Cancel may be followed
 * at once by an admin's; More then Less is a quick toggle).
 */
const NEVER_REPEATED: ReadonlySet<ButtonAction> = new Set<ButtonAction>([
  ...IN_PLACE_ACTIONS,
  'cancel',
  'delete',
  'more',
  'less',
]);

/** Two presses closer than this are one double click. */
export const DOUBLE_PRESS_MS = 2000;

export class DoublePresses {
  /** When each button (user, message, custom id) was last pressed, oldest first. */
  private readonly pressed = new Map<string, number>();

  constructor(private readonly windowMs = DOUBLE_PRESS_MS) {}

  /**
   * True when this press repeats one within the window; the first press of a button is remembered. Timed by a
   * monotonic clock: with the wall clock set back, every press would look recent until it caught up.
   */
  repeated(userId: string, messageId: string, customId: string, now = performance.now()): boolean {
    const action = parseButtonId(customId)?.action;
    if (action !== undefined && NEVER_REPEATED.has(action)) return false;
    for (const [key, at] of this.pressed) {
      if (now - at < this.windowMs) break;
      this.pressed.delete(key);
    }
    const key = `${userId}\u0000${messageId}\u0000${customId}`;
    if (this.pressed.has(key)) return true;
    this.pressed.set(key, now);
    return false;
  }
}
