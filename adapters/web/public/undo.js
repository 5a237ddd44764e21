// Deleting a message with a moment to undo: it is hidden at once (with the user's line above it), and `commit`
// runs only when the undo time is over; Undo shows both again and nothing is deleted.
const UNDO_MS = 6000;

/**
 * @param {HTMLElement} li the bot's message
 * @param {{ deleted: string, undo: string }} words the toast's text and its button's label
 * @param {() => Promise<void>} commit
 */
export function hideWithUndo(li, words, commit) {
  li.hidden = true;
  const user = li.previousElementSibling?.classList.contains('job-user') ? li.previousElementSibling : null;
  if (user) user.hidden = true;
  const undo = Object.assign(document.createElement('button'), {
    type: 'button',
    textContent: words.undo,
    id: 'undo',
  });
  const text = Object.assign(document.createElement('span'), { textContent: words.deleted });
  const bar = Object.assign(document.createElement('div'), { className: 'toast', role: 'status' });
  bar.append(text, undo);
  document.body.append(bar);
  const timer = setTimeout(async () => {
    bar.remove();
    await commit();
    user?.remove();
  }, UNDO_MS);
  undo.addEventListener('click', () => {
    clearTimeout(timer);
    bar.remove();
    li.hidden = false;
    if (user) user.hidden = false;
  });
}
