// Result images in the chat and the full-size view with its download link.
const $ = (id) => document.getElementById(id);
// The result that opened the view, and its message. Closing the view (Escape, Close, a click beside it) gives the
// keyboard back to that image (the browser does so for a modal dialog). One replaced meanwhile (its message brought up
// to date after a reconnection) hands it to the image that took its place, else to its message.
let opener = null;
let openerMessage = null;

function openViewer(image) {
  opener = document.activeElement;
  openerMessage = opener?.closest('#log > li') ?? null;
  $('viewer-image').src = image.src;
  $('viewer-image').alt = image.alt;
  $('viewer-download').href = image.download;
  $('viewer-download').download = image.filename;
  $('viewer').showModal();
}
$('viewer-close').addEventListener('click', () => $('viewer').close());
$('viewer').addEventListener('click', (e) => e.target === $('viewer') && $('viewer').close());
$('viewer').addEventListener('close', () => {
  if (opener && !opener.isConnected) {
    const message = openerMessage?.isConnected ? openerMessage : null;
    const same = message?.querySelector(
      `img.result[data-filename="${CSS.escape(opener.dataset?.filename ?? '')}"]`,
    );
    (same ?? message ?? $('text')).focus();
  }
  opener = null;
});

/** Closes the view if an image of `li` opened it (the message is going); true if it did. */
export function closeViewerOf(li) {
  if (!$('viewer').open || !opener || !li.contains(opener)) return false;
  // Whoever removes `li` puts the keyboard somewhere after it: the close must not send it to the message box.
  opener = null;
  $('viewer').close();
  return true;
}

/** An image of a reply; a result (one with a download) opens the full-size view. `onLoad` runs once it has a size. */
export function resultImage(image, onLoad) {
  const img = Object.assign(document.createElement('img'), { src: image.src, alt: image.alt });
  img.dataset.filename = image.filename;
  // A progress preview is a small JPEG (a result is not): smoothed when scaled, not blown up into blocks.
  if (!image.download) img.classList.add('preview');
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
