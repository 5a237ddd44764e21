// The user's side of the conversation: the line they sent (a long one folded to its first lines), with the image and
// the mask they drew over it.
import { tr } from './strings.js';

const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};

/** @param {string} text @param {{ role: string, src: string }[]} images */
export function userItem(text, images = []) {
  const li = el('li', { className: 'user job-user' });
  if (text) {
    const line = el('p', { textContent: text });
    li.append(line);
    if (text.length > MAY_FOLD_CHARS || text.split('\n').length > FOLDED_LINES) li.append(foldable(line));
  }
  const image = images.find((i) => i.role === 'image');
  const mask = images.find((i) => i.role === 'mask');
  if (image) li.append(thumb(image.src, mask?.src));
  const reference = images.find((i) => i.role === 'reference');
  if (reference) li.append(thumb(reference.src));
  return li;
}

// A line longer than this (a 4,000-character prompt) may run past a bubble's first lines (style.css `.folded`):
// folded to those, with a toggle to read it all. Whether it does is up to the bubble's width, known once shown.
const MAY_FOLD_CHARS = 240;
// As many as a folded line shows (style.css `6lh`).
const FOLDED_LINES = 6;
let folds = 0;

/** The toggle of a long line: "Show more" while folded, "Show less" while open; shown only while the line runs past. */
function foldable(line) {
  line.id = `user-line-${++folds}`;
  const toggle = el('button', { type: 'button', className: 'fold-toggle', hidden: true });
  toggle.setAttribute('aria-controls', line.id);
  const fold = (folded) => {
    line.classList.toggle('folded', folded);
    toggle.setAttribute('aria-expanded', String(!folded));
    // data-i18n: a language changed later (/settings) gives it that one's words (strings.js).
    toggle.dataset.i18n = folded ? 'web.show_more' : 'web.show_less';
    toggle.textContent = tr(toggle.dataset.i18n, folded ? 'Show more' : 'Show less');
  };
  fold(true);
  toggle.addEventListener('click', () => {
    fold(!line.classList.contains('folded'));
    // Folded again, the bubble shrinks from under the toggle: it stays in view with the keyboard on it.
    toggle.scrollIntoView({ block: 'nearest' });
  });
  // Measured while folded, at every width the bubble takes (a window resized, a phone turned): a line that fits
  // needs no toggle.
  new ResizeObserver(() => {
    if (line.classList.contains('folded')) toggle.hidden = line.scrollHeight <= line.clientHeight + 1;
  }).observe(line);
  return toggle;
}

/** The user's image, with the mask they drew over it (white shows, black is transparent). */
function thumb(src, maskSrc) {
  const box = el('span', { className: 'thumb' }, el('img', { src, alt: tr('web.image_alt', 'your image') }));
  if (maskSrc) {
    box.classList.add('masked');
    box.append(el('img', { src: maskSrc, alt: tr('web.mask_alt', 'mask'), className: 'mask-overlay' }));
  }
  return box;
}
