// The conversation's results in the language the user just chose (`/settings language`), as a reload would show
// them: the server words every reply, so the shown jobs' replies are fetched again from the history, in the new
// language, where the page's own words (`data-i18n`) only need its new strings. The other replies stay as they were
// said, as in any chat.

import { tickEta } from './countdown.js';
import { currentStrings } from './strings.js';

/** A button's words: its label, and the hint as its title (and as its name where the label is only symbols). */
export function labelButton(button, b) {
  button.textContent = b.label;
  // The hint names a button of symbols (⬅️ is read out as an emoji's name); a button of words or numbers ("V1")
  // keeps the name it shows, which speech input says, and the hint describes it.
  if (b.hint) button.title = b.hint;
  else button.removeAttribute('title');
  if (b.hint && !/[\p{L}\p{N}]/u.test(b.label)) button.setAttribute('aria-label', b.hint);
  else button.removeAttribute('aria-label');
}

/** As many as the server sends in one history page (`/api/history`). */
const PAGE = 20;

/**
 * Rewords the shown jobs' messages (`messages`: job id → its message) from the history: an ended or still waiting one
 * as a whole, through `update(li, reply, speak)` (shown, not said again); every one's buttons, which an update keeps
 * as the same elements (a press is never lost to it), relabelled in place. A job running has only its buttons
 * relabelled: its next event comes in the new language, and the history's reply would lose its progress bar
 * meanwhile. So has a message whose part the keyboard is on (an image): a redraw would take it away.
 */
export async function relocalizeShown(messages, update) {
  const waiting = new Set(messages.keys());
  let before;
  // The shown jobs are the newest (the pages opened, from the newest down, and those heard live): as many pages as
  // hold them, and one for jobs started meanwhile in another tab, which push the oldest shown a page down.
  for (let pages = Math.ceil(waiting.size / PAGE) + 1; waiting.size > 0 && pages > 0; pages -= 1) {
    // Out of reach just now: the results keep their words until a reload.
    const res = await fetch(`/api/history${before ? `?before=${before}` : ''}`).catch(() => undefined);
    if (!res?.ok) return;
    const page = await res.json();
    for (const entry of page.entries) {
      const li = messages.get(entry.jobId);
      if (!li || !waiting.delete(entry.jobId)) continue;
      if (redrawn(li, entry.reply)) update(li, entry.reply, false);
      relabel(li, entry.reply.buttons);
    }
    if (!page.before) break;
    before = page.before;
  }
  // A countdown not redrawn (a job started meanwhile) says its time in the new words now, not at its next tick.
  for (const node of document.querySelectorAll('.eta')) tickEta(node, currentStrings());
}

/** Whether the history's `reply` may redraw `li`: the same state (ended, or not yet stepping) in new words. */
function redrawn(li, reply) {
  const focus = document.activeElement;
  // The kept button row and an open answer form stay through a redraw (app.js fill); the rest is made anew.
  if (li.contains(focus) && focus !== li && !focus.closest('.buttons, form')) return false;
  if (reply.final) return li.dataset.state === 'final';
  // Before its first step, here and in the history (waiting, its countdown ticking): one shown with its progress bar
  // (heard started meanwhile, or the history's reply lacks it) keeps the bar.
  const bar = li.querySelector(':scope > progress');
  return !reply.progress && li.dataset.state === 'live' && bar === null;
}

function relabel(li, rows) {
  const buttons = li.querySelectorAll(':scope > .buttons button[data-action]');
  for (const b of rows.flat()) {
    const button = [...buttons].find((node) => node.dataset.action === b.id);
    if (button) labelButton(button, b);
  }
}
