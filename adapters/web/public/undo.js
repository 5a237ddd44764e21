// Deleting a message with a moment to undo: it is hidden at once (with the user's line above it), and `commit`
// runs only when the undo time is over; Undo shows both again and nothing is deleted. Quick deletions each get a
// toast of their own, stacked, so every one of them can still be undone.
const UNDO_MS = 6000;
let made = 0;

/**
 * @param {HTMLElement} li the bot's message
 * @param {{ deleted: string, undo: string }} words the toast's text and its button's label
 * @param {() => Promise<void>} commit
 */
export function hideWithUndo(li, words, commit) {
  li.hidden = true;
  const user = li.previousElementSibling?.classList.contains('job-user') ? li.previousElementSibling : null;
  if (user) user.hidden = true;
  made += 1;
  const undo = Object.assign(document.createElement('button'), {
    type: 'button',
    textContent: words.undo,
    id: `undo-${made}`,
    className: 'undo',
  });
  const text = Object.assign(document.createElement('span'), { textContent: words.deleted });
  const bar = Object.assign(document.createElement('div'), { className: 'toast', role: 'status' });
  bar.append(text, undo);
  const stack = document.getElementById('toasts') ?? document.body;
  stack.append(bar);
  // The pressed Delete is gone with its message: the keyboard goes on from the one thing that can bring it back.
  undo.focus();
  // A toast that leaves with the focus in it must not drop the keyboard on <body>.
  const leave = () => {
    const hadFocus = bar.contains(document.activeElement);
    bar.remove();
    if (hadFocus) (stack.querySelector('button.undo') ?? document.getElementById('text'))?.focus();
  };
  const timer = setTimeout(async () => {
    leave();
    await commit();
    user?.remove();
  }, UNDO_MS);
  undo.addEventListener('click', () => {
    clearTimeout(timer);
    bar.remove();
    li.hidden = false;
    if (user) user.hidden = false;
    li.tabIndex = -1;
    li.focus();
  });
}

/**
 * A bot's message deleted for good (Delete pressed in another tab, or here once its undo time was over): it goes, with
 * the user's line above it.
 */
export function removeMessage(li) {
  const user = li.previousElementSibling?.classList.contains('job-user') ? li.previousElementSibling : null;
  li.remove();
  user?.remove();
}
