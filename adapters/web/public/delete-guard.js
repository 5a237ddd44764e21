// A Delete hides its message at once, so the conversation shifts and the previous message's Delete can slide under a
// pointer that has not moved: the second click of a double-click would then delete that one too. A pointer click on a
// Delete that comes within the double-click interval of the last one, at the same spot, is that second click and is
// not a press; a deliberate second delete moves the pointer (or waits), and a keyboard press (detail 0) always counts.
const INTERVAL_MS = 500;
const SLOP_PX = 4;
let last = null; // { at, x, y } of the last pointer click on a Delete

/** @param {MouseEvent} event a click on a Delete button; true where it is the stray half of a double-click */
export function strayDelete(event) {
  if (!event || event.detail === 0) return false;
  const now = event.timeStamp;
  const stray =
    last !== null &&
    now - last.at < INTERVAL_MS &&
    Math.abs(event.clientX - last.x) <= SLOP_PX &&
    Math.abs(event.clientY - last.y) <= SLOP_PX;
  // A triple click is still one press: each stray click keeps the interval going.
  last = { at: now, x: event.clientX, y: event.clientY };
  return stray;
}
