// The presses answered in place of the message they were on (a /queue list's Cancel n and Refresh), and the answers
// such a press can replace: only theirs are worth keeping the later parts of (each adapter's list-parts.ts).
import { type ButtonAction, parseButtonId, type Reply } from '../../commands/index.js';

/** The presses answered in place of the message they were on: /queue's Cancel n and Refresh. */
export const IN_PLACE_ACTIONS: ReadonlySet<ButtonAction> = new Set<ButtonAction>([
  'queue_cancel',
  'queue_refresh',
]);

/** A reply a press on it puts something else in place of (a /queue list): it carries a Cancel n or Refresh. */
export function putInPlaceLater(first: Reply): boolean {
  return (first.buttons ?? []).flat().some((b) => {
    const action = parseButtonId(b.id)?.action;
    return action !== undefined && IN_PLACE_ACTIONS.has(action);
  });
}
