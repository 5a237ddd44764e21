// Deleting a message with a moment to undo: it is hidden at once (with the user's line above it), and `commit`
// runs only when the undo time is over; Undo shows both again and nothing is deleted. Quick deletions each get a
// toast of their own, stacked, so every one of them can still be undone.
const UNDO_MS = 6000;
let made = 0;
// The deletions still in their undo time: a page closed or reloaded meanwhile sends them as it goes (`leave`), since
// the user let them stand, and its timers never run.
const pending = new Set();

// The stack is fixed over the conversation's end, just above the composer, where on a narrow window the message
// above a deleted last one has its Delete: while toasts cover a button there, the conversation gets room below its
// last message as tall as the part they cover, into which it is followed when the reader is at the bottom (scroll.js)
// and can be scrolled otherwise. A wide window, where they cover none, keeps its layout. The composer grows with the
// lines typed and shrinks when they go, while a toast shows too: the stack moves with it (over it, a toast would hide
// those lines) and the room is measured again (one made under a tall composer covered nothing once it shrank).
const main = document.querySelector('main');
const toasts = document.getElementById('toasts');
const composer = document.getElementById('composer');
const overlap = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
const makeRoom = new ResizeObserver(() => {
  // 1.5rem above the composer's one line is where style.css puts the stack before this runs.
  toasts.style.bottom = `calc(${composer.offsetHeight}px + 1.5rem)`;
  if (!toasts.childElementCount) {
    main.style.paddingBottom = '';
    return;
  }
  // The toasts themselves, not their stack, which spans the window's width: a button beside them is not covered.
  const shown = [...toasts.children].map((toast) => toast.getBoundingClientRect());
  // Once made, the room stays while toasts show: the buttons it moved from under them would else come back.
  const covers =
    main.style.paddingBottom !== '' ||
    [...main.querySelectorAll('button')].some((button) =>
      shown.some((toast) => overlap(button.getBoundingClientRect(), toast)),
    );
  const covered = main.getBoundingClientRect().bottom - Math.min(...shown.map((toast) => toast.top));
  if (covers && covered > 0) main.style.paddingBottom = `calc(${Math.ceil(covered)}px + 0.5rem)`;
});
makeRoom.observe(toasts);
makeRoom.observe(composer);
window.addEventListener('pagehide', () => {
  for (const deletion of [...pending]) deletion();
});

/**
 * @param {HTMLElement} li the bot's message
 * @param {{ deleted: string, undo: string }} words the toast's text and its button's label
 * @param {() => Promise<void>} commit
 * @param {() => void} leave sends the deletion from a page that is going away (a request that outlives it)
 */
export function hideWithUndo(li, words, commit, leave) {
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
  // Read by the stack's live region (index.html), not a region of its own that would come already filled.
  const bar = Object.assign(document.createElement('div'), { className: 'toast' });
  bar.append(text, undo);
  toasts.append(bar);
  // The pressed Delete is gone with its message: the keyboard goes on from the one thing that can bring it back.
  undo.focus();
  // A toast that leaves with the focus in it must not drop the keyboard on <body>.
  const leaveToast = () => {
    const hadFocus = bar.contains(document.activeElement);
    bar.remove();
    if (hadFocus) (toasts.querySelector('button.undo') ?? document.getElementById('text'))?.focus();
  };
  const timer = setTimeout(async () => {
    pending.delete(goingAway);
    leaveToast();
    await commit();
    user?.remove();
  }, UNDO_MS);
  const goingAway = () => {
    pending.delete(goingAway);
    clearTimeout(timer);
    bar.remove();
    leave();
    // Kept from the back/forward cache, the page comes back without it, as after the timer.
    removeMessage(li);
  };
  pending.add(goingAway);
  undo.addEventListener('click', () => {
    pending.delete(goingAway);
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

/**
 * Presses `id` from a page that is going away: a keepalive request outlives it, and is the page's own same-origin
 * POST of JSON (its Origin and Sec-Fetch-Site pass guard.ts as the live press does; sendBeacon could not say JSON).
 */
export function sendOnLeaving(id) {
  fetch('/api/actions', {
    method: 'POST',
    keepalive: true,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id }),
  }).catch(() => {});
}
