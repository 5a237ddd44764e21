// The message box is a textarea: Enter sends (as in a chat), Shift+Enter starts a new line, and the box grows with
// its text up to a few lines. Registered after the palette's keys, so an Enter that takes a suggestion is its own.
const MAX_PX = 160;

/** @param {HTMLTextAreaElement} text @param {HTMLFormElement} form */
export function wireComposer(text, form) {
  const grow = () => {
    text.style.height = 'auto';
    // The box is border-box sized (style.css): its text and padding (scrollHeight) and its borders. Its text alone
    // would grow the empty box by its padding at the first focus, the Attach and Send buttons with it.
    const borders = text.offsetHeight - text.clientHeight;
    text.style.height = `${Math.min(text.scrollHeight + borders, MAX_PX)}px`;
    text.style.overflowY = text.scrollHeight > MAX_PX ? 'auto' : 'hidden';
  };
  text.addEventListener('input', grow);
  // Lines put in by code (Copy prompt, Reuse seed, Vary (Region)) fire no input event, but always focus the box.
  text.addEventListener('focus', grow);
  text.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' || e.shiftKey || e.defaultPrevented || e.isComposing || e.keyCode === 229) return;
    e.preventDefault();
    form.requestSubmit();
  });
  return grow;
}
