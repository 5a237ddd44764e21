// Where the keyboard goes when what holds it leaves the page (WCAG 2.4.3): Chromium hands it to <body>, which puts a
// keyboard or screen-reader user back at the top of the page with no word of why. It goes on from the nearest place
// that makes sense, and the status line says what happened.
import { say } from './status.js';
import { closeViewerOf } from './viewer.js';

const shownBot = (node) => node.matches('li.bot') && !node.hidden;

/** The message to go on from once `li` is gone: the next one shown, else the one before, else the message box. */
function successorOf(li) {
  for (let n = li.nextElementSibling; n; n = n.nextElementSibling) if (shownBot(n)) return n;
  for (let n = li.previousElementSibling; n; n = n.previousElementSibling) if (shownBot(n)) return n;
  return document.getElementById('text');
}

/**
 * Runs `remove` (which takes `li` off the page: a message deleted in another tab). Had the keyboard been in it, or
 * the full-size view of its image been open, the keyboard goes on from the next message and `why()` is said.
 */
export function removeKeepingFocus(li, remove, why) {
  const had = li.contains(document.activeElement) || closeViewerOf(li);
  const next = had ? successorOf(li) : null;
  remove(li);
  if (!next) return;
  next.focus();
  say(why());
}

/**
 * Hides `node` (a button whose work is done: Show older with no older messages left). Had it the keyboard, the
 * keyboard goes to `target` (made focusable by script where it is not) and `why()` is said.
 */
export function hideKeepingFocus(node, target, why) {
  const had = node.contains(document.activeElement);
  node.hidden = true;
  if (!had || !target) return;
  if (!target.hasAttribute('tabindex') && !target.matches('a[href], button, input, textarea'))
    target.tabIndex = -1;
  target.focus();
  say(why());
}
