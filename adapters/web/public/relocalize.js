// The conversation's results in the language the user just chose (`/settings language`), as a reload would show
// them: the server words every reply, so the shown jobs' replies are fetched again from the history, in the new
// language, where the page's own words (`data-i18n`) only need its new strings. The other replies stay as they were
// said, as in any chat.

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
 * Rewords the shown jobs' messages (`messages`: job id → its message) from the history: an ended one as a whole,
 * through `update(li, reply, speak)` (shown, not said again); every one's buttons, which an update keeps as the same
 * elements (a press is never lost to it), relabelled in place. A job still running has only its buttons relabelled:
 * its next event comes in the new language, and the history's reply would lose its progress bar meanwhile.
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
      if (entry.reply.final && li.dataset.state === 'final') update(li, entry.reply, false);
      relabel(li, entry.reply.buttons);
    }
    if (!page.before) return;
    before = page.before;
  }
}

function relabel(li, rows) {
  const buttons = li.querySelectorAll(':scope > .buttons button[data-action]');
  for (const b of rows.flat()) {
    const button = [...buttons].find((node) => node.dataset.action === b.id);
    if (button) labelButton(button, b);
  }
}
