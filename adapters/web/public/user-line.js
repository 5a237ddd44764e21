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
    // Folded from the start (style.css `.folded`, six lines), so a long line never shows whole for a frame; a line
    // within six lines is untouched by it.
    const line = el('p', { className: 'folded', textContent: text });
    li.append(line);
    measure.observe(line);
  }
  const image = images.find((i) => i.role === 'image');
  const mask = images.find((i) => i.role === 'mask');
  if (image) li.append(thumb(image.src, mask?.src));
  const reference = images.find((i) => i.role === 'reference');
  if (reference) li.append(thumb(reference.src));
  return li;
}

// Whether a line runs past its first lines is up to the bubble's width and the fonts, not its length (a few hundred
// Japanese characters are a dozen lines on a phone): each line is measured, by one observer for the page, at every
// width its bubble takes (a window resized, a phone turned). A line that does gets its toggle, shown while it runs
// past the fold.
const toggles = new WeakMap(); // line → its toggle, once it ran past the fold
const measure = new ResizeObserver((entries) => {
  for (const { target: line } of entries) {
    if (!line.classList.contains('folded')) continue;
    const toggle = toggles.get(line);
    if (toggle) toggle.hidden = fits(line);
    else if (!fits(line)) line.after(foldable(line));
  }
});
/** Folded, the line shows all of itself. */
const fits = (line) => line.scrollHeight <= line.clientHeight + 1;
let folds = 0;

/** The toggle of a long line: "Show more" while folded, "Show less" while open. */
function foldable(line) {
  line.id = `user-line-${++folds}`;
  const toggle = el('button', { type: 'button', className: 'fold-toggle' });
  toggles.set(line, toggle);
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
    const folded = !line.classList.contains('folded');
    fold(folded);
    // Opened on a narrow window and folded on a wider one, where it fits: no toggle, and the keyboard goes on from
    // the bubble rather than from a button gone.
    const bubble = line.parentElement;
    if (folded && fits(line)) {
      toggle.hidden = true;
      bubble.tabIndex = -1;
      bubble.focus({ preventScroll: true });
    }
    // Folded again, the bubble shrinks from under the toggle: it stays in view with the keyboard on it.
    (toggle.hidden ? bubble : toggle).scrollIntoView({ block: 'nearest' });
  });
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
