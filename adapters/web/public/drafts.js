// Half-typed words kept for the tab, so that a reload (or a tab the browser restores) gives them back: the message
// box's line, and an answer form's words under its button's id (the job and the form's kind), put back when that
// form is opened again. sessionStorage, not localStorage: a draft belongs to the tab it was typed in, and another tab
// of the same user has its own box.

const PREFIX = 'dimoo.draft.';
// The longest line the commands read (`maxLineChars` of /api/info, counted as they count, an emoji as one): a longer
// one is refused anyway, and what a tab may store is small. None known yet, none cut.
let maxChars;
/** The boxes whose words are kept as the page goes, by key. */
const kept = new Map();

/** The words kept under `key`, or '' (none, or storage refused: a private window). */
export function draftOf(key) {
  try {
    return sessionStorage.getItem(PREFIX + key) ?? '';
  } catch {
    return '';
  }
}

/** The server's longest line (`maxLineChars` of /api/info), which a draft is cut to. */
export function setDraftLimit(maxLineChars) {
  maxChars = maxLineChars > 0 ? maxLineChars : undefined;
}

function store(key, text) {
  try {
    if (!text.trim()) return sessionStorage.removeItem(PREFIX + key);
    const capped = maxChars && text.length > maxChars ? Array.from(text).slice(0, maxChars).join('') : text;
    sessionStorage.setItem(PREFIX + key, capped);
  } catch {
    // Storage full or refused: the words stay in the box, and only a reload loses them.
  }
}

/**
 * Keeps what `box` holds under `key` as it is typed, and as the page goes (a line put in by code fires no input).
 * Returns `save` (keep it now: the page emptied or refilled the box) and `forget` (the words were sent, or the
 * form closed on purpose).
 */
export function keepDraft(box, key) {
  const save = () => store(key, box.value);
  box.addEventListener('input', save);
  kept.set(key, box);
  const forget = () => {
    if (kept.get(key) === box) kept.delete(key);
    store(key, '');
  };
  return { save, forget };
}

window.addEventListener('pagehide', () => {
  for (const [key, box] of kept) {
    // A form the page took away without a word from the user (another of the message's forms opened) keeps the
    // words it last saved.
    if (box.isConnected) store(key, box.value);
    else kept.delete(key);
  }
});
