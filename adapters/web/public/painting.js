// A phone's full-screen brush (attachment.js's `painting`) is a view over the page, kept as a modal one: what it
// covers is inert meanwhile (Tab reached the message box and Send under the picture, where no one sees the focus),
// Escape closes it wherever the keyboard is (after a stroke with a mouse it is on <body>), and closing it gives the
// keyboard back to what opened it: the brush's switch, or Vary (Region) in the conversation.
const $ = (id) => document.getElementById(id);
let opener = null;
let covered = [];

/** The view opens: remembers what has the keyboard, and makes what it covers inert. */
export function coverPage() {
  if (covered.length > 0) return;
  opener = document.activeElement === document.body ? null : document.activeElement;
  // Not the live regions (the connection notice in the header, a refused file's line, the status line): what they
  // say meanwhile must still be read out.
  const composer = $('composer');
  const keep = [$('attachment'), $('attach-error')];
  covered = [$('banner'), document.querySelector('main'), $('toasts'), ...composer.children].filter(
    (node) => node && !keep.includes(node) && !node.inert,
  );
  for (const node of covered) node.inert = true;
}

/** The view closes: the page is live again. */
export function uncoverPage() {
  for (const node of covered) node.inert = false;
  covered = [];
}

/** The keyboard back to what opened the view, if it is still there, else to `fallback`. */
export function refocusOpener(fallback) {
  const target = opener?.isConnected && !opener.closest('[inert], [hidden]') ? opener : fallback;
  opener = null;
  target.focus();
}

/** Escape closes the view (`close`), wherever the keyboard is; an open list or form nearer to it goes first. */
export function closeOnEscape(isOpen, close) {
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape' || e.defaultPrevented || !isOpen()) return;
    e.preventDefault();
    close();
  });
}
