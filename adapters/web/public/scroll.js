// Following the conversation: it stays at the newest message only while the reader is there. One who scrolled up
// to read is left where they are (a result or another tab's message must not pull them away), and a pill offers
// the way down instead.
const main = document.querySelector('main');
const pill = document.getElementById('new-messages');
const NEAR_PX = 96;
// Content that grows (a preview, an image that loads) fires no scroll event: whether to follow it is decided by
// where the reader last scrolled to.
let pinned = true;

const nearBottom = () => main.scrollHeight - main.scrollTop - main.clientHeight < NEAR_PX;

export function toBottom() {
  main.scrollTop = main.scrollHeight;
  pinned = true;
  pill.hidden = true;
}

/** A message arrived or changed: followed at the bottom, pointed at by the pill elsewhere. */
export function arrived() {
  if (pinned) toBottom();
  else if (!nearBottom()) pill.hidden = false;
}

let lastTop = 0;
main.addEventListener('scroll', () => {
  // Only a move up lets go of the bottom: the browser's scroll anchoring also scrolls (down) when an image above
  // loads, and that must not count as the reader leaving.
  if (main.scrollTop < lastTop - 2) pinned = nearBottom();
  else if (nearBottom()) pinned = true;
  lastTop = main.scrollTop;
  if (pinned) pill.hidden = true;
});
pill.addEventListener('click', () => {
  toBottom();
  // The keyboard goes on from where the reader now is.
  document.getElementById('text').focus({ preventScroll: true });
});
const follow = new ResizeObserver(() => pinned && toBottom());
follow.observe(document.getElementById('log'));
follow.observe(main);
