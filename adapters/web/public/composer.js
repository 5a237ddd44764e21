// The message box is a textarea: Enter sends (as in a chat), Shift+Enter starts a new line, and the box grows with
// its text up to a few lines. Registered after the palette's keys, so an Enter that takes a suggestion is its own.
import { draftOf, keepDraft } from './drafts.js';

const MAX_PX = 160;
// Above a phone's on-screen keyboard the page may be under 300px tall: a box of 160px would leave the conversation
// a sliver, so there it grows to a share of the visible height (three lines at least).
const MAX_SHARE = 0.3;
const MIN_PX = 80;

const maxHeight = () =>
  Math.min(MAX_PX, Math.max(MIN_PX, (window.visualViewport?.height ?? window.innerHeight) * MAX_SHARE));

/** @param {HTMLTextAreaElement} text @param {HTMLFormElement} form */
export function wireComposer(text, form) {
  // The tab's half-typed line, back after a reload, unless typing began before the page was ready.
  if (!text.value) text.value = draftOf('composer');
  const draft = keepDraft(text, 'composer');
  // Run after every change the page makes to the box too (emptied as a line is sent, refilled as it is refused): the
  // draft is always what the box holds, so a line sent and taken is not back after a reload, a refused one is.
  const grow = () => {
    draft.save();
    text.style.height = 'auto';
    // The box is border-box sized (style.css): its text and padding (scrollHeight) and its borders. Its text alone
    // would grow the empty box by its padding at the first focus, the Attach and Send buttons with it.
    const borders = text.offsetHeight - text.clientHeight;
    const max = maxHeight();
    text.style.height = `${Math.min(text.scrollHeight + borders, max)}px`;
    text.style.overflowY = text.scrollHeight + borders > max ? 'auto' : 'hidden';
  };
  text.addEventListener('input', grow);
  // Lines put in by code (Copy prompt, Reuse seed, Vary (Region)) fire no input event, but focus the box (Vary
  // (Region) on a phone, which keeps the keyboard shut, sends an input event instead).
  text.addEventListener('focus', grow);
  // The keyboard opening or closing changes how tall the box may be.
  (window.visualViewport ?? window).addEventListener('resize', grow);
  text.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' || e.shiftKey || e.defaultPrevented || e.isComposing || e.keyCode === 229) return;
    e.preventDefault();
    form.requestSubmit();
  });
  if (text.value) grow();
  // A character typed while nothing holds the keyboard (the page just opened, a click on a message's text) goes
  // into the box, as in a chat app, where it would otherwise be lost. Not Space, which scrolls the page there, nor
  // a shortcut; the box takes the key itself, as the keyboard reaches it before the character is put in.
  document.addEventListener('keydown', (e) => {
    if (e.target !== document.body || e.defaultPrevented || e.isComposing) return;
    if (e.key.length !== 1 || e.key === ' ' || e.metaKey) return;
    // Windows reports AltGr as Ctrl+Alt: with AltGraph held it types a character (@ or € on a German or French
    // keyboard), not a shortcut.
    if ((e.ctrlKey || e.altKey) && !e.getModifierState('AltGraph')) return;
    if (text.checkVisibility?.() === false) return;
    text.focus();
    text.setSelectionRange(text.value.length, text.value.length);
  });
  return grow;
}
