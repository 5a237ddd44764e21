// Result images in the chat and the full-size view with its download link.
const $ = (id) => document.getElementById(id);

function openViewer(image) {
  $('viewer-image').src = image.src;
  $('viewer-image').alt = image.alt;
  $('viewer-download').href = image.download;
  $('viewer-download').download = image.filename;
  $('viewer').showModal();
}
$('viewer-close').addEventListener('click', () => $('viewer').close());
$('viewer').addEventListener('click', (e) => e.target === $('viewer') && $('viewer').close());

/** An image of a reply; a result (one with a download) opens the full-size view. `onLoad` runs once it has a size. */
export function resultImage(image, onLoad) {
  const img = Object.assign(document.createElement('img'), { src: image.src, alt: image.alt });
  img.dataset.filename = image.filename;
  if (image.download) {
    img.dataset.download = image.download;
    img.classList.add('result');
    // A button to a screen reader (named by its alt, the prompt), which opens the full-size view as a button
    // does: Enter or Space. Closing the view (Escape, Close) gives the keyboard back to it.
    img.tabIndex = 0;
    img.setAttribute('role', 'button');
    img.setAttribute('aria-haspopup', 'dialog');
    img.addEventListener('click', () => openViewer(image));
    img.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter' && e.key !== ' ') return;
      e.preventDefault();
      openViewer(image);
    });
  }
  // A new result comes into view once it has a size (before, the scroll would stop short).
  if (onLoad) img.addEventListener('load', onLoad);
  return img;
}
