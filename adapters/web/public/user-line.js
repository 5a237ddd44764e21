// The user's side of the conversation: the line they sent, with the image and the mask they drew over it.
import { tr } from './strings.js';

const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};

/** @param {string} text @param {{ role: string, src: string }[]} images */
export function userItem(text, images = []) {
  const li = el('li', { className: 'user job-user' });
  if (text) li.append(el('p', { textContent: text }));
  const image = images.find((i) => i.role === 'image');
  const mask = images.find((i) => i.role === 'mask');
  if (image) li.append(thumb(image.src, mask?.src));
  const reference = images.find((i) => i.role === 'reference');
  if (reference) li.append(thumb(reference.src));
  return li;
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
