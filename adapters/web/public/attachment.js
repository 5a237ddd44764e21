// The composer's image: attaching it (the button, paste, drop), the mask drawn over it, and what may be attached.
// A file the server would refuse (an SVG, a text file, a picture the browser cannot even decode, one over the
// server's size or pixel limits) is answered at once with a line under the composer, rather than after sending or
// not at all.
import { bytesRefusal, readSize, shapeRefusal } from './image-limits.js';
import { closeOnEscape, coverPage, refocusOpener, uncoverPage } from './painting.js';

const $ = (id) => document.getElementById(id);
const canvas = $('mask');
const ctx2d = canvas.getContext('2d');
// On a phone the preview is a thumbnail: drawing on it takes the whole screen instead.
const narrow = window.matchMedia('(max-width: 40rem)');
let current = null; // { file, width, height, painted }
let last = null; // the brush's last point (canvas pixels) while a finger or button is down, else null
let words = {
  type: 'Only PNG, JPEG or WebP images can be attached.',
  unreadable: 'This image could not be read.',
  strings: {},
};
let limits; // the server's (`imageLimits` of /api/info); none known, none judged here
// Counts the files offered: a size read late, or an image put back after a failed send, must not undo a newer one.
let offered = 0;

export const attached = () => current;

/**
 * @param {{ type: string, unreadable: string, strings: Record<string, string> }} next the refusals
 *   in the page's language, and its strings (the server's refusals of an image over its limits)
 */
export function setAttachmentWords(next) {
  words = next;
}

/** @param {{ maxBytes: number, maxPixels: number, minSide: number, maxAspect: number } | undefined} next */
export function setAttachmentLimits(next) {
  limits = next;
}

// The refusal's line is a live region on the page from the start (index.html), empty while there is nothing to say:
// words put into it are read out, the same words again too (a node of their own), where a region unhidden with its
// words was not read by every screen reader.
function refuse(text) {
  $('attach-error').replaceChildren(Object.assign(document.createElement('span'), { textContent: text }));
}

/** Resolves true once `file` is in the composer (shown, and what is sent), false where it was refused or overtaken. */
export async function attach(file) {
  const turn = ++offered;
  const refusal = !file
    ? words.type
    : file.size === 0
      ? (words.strings['errors.engine.image_empty'] ?? words.unreadable)
      : !(await isAcceptedImage(file))
        ? (words.strings['errors.engine.image_unsupported'] ?? words.type)
        : await bytesRefusal(file, limits, words.strings);
  if (refusal || turn !== offered) {
    // Refused, or overtaken while the server wrote the size: a newer file has the composer now.
    if (refusal && turn === offered) {
      $('file').value = '';
      refuse(refusal);
    }
    return false;
  }
  const url = URL.createObjectURL(file);
  // Unreadable here (a corrupt file): the preview below says so, as it did before there were limits.
  const size = limits && (await readSize(url));
  const tooBig = turn === offered && size && shapeRefusal(size, limits, words.strings);
  // A file cut short keeps its header, so the preview's load still fires (blank) and the size reads: only decoding
  // its pixels tells that the server could not read it either.
  const refused = tooBig || (turn === offered && !(await decodes(file, url)) && words.unreadable);
  if (turn !== offered || refused) {
    URL.revokeObjectURL(url);
    if (refused && turn === offered) {
      $('file').value = '';
      refuse(refused);
    }
    return false;
  }
  return show(file, url);
}

/**
 * Whether `file` is a PNG, JPEG or WebP by its first bytes, as the server judges it (engine/image/header.ts's
 * `sniffFormat`, the same bytes): a JPEG saved as photo.heic is a JPEG, and its name (the type the browser reads
 * from it) no reason to refuse it; a type the browser gives such a name without those bytes is none either.
 */
async function isAcceptedImage(file) {
  const head = new Uint8Array(await file.slice(0, 12).arrayBuffer());
  const reads = (at, text) => [...text].every((ch, i) => head[at + i] === ch.charCodeAt(0));
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return true;
  if (head[0] === 0x89 && reads(1, 'PNG\r\n\x1a\n')) return true;
  return reads(0, 'RIFF') && reads(8, 'WEBP');
}

// An <img> decodes what data there is and calls a file cut short in its pixels fine (decode() too); decoding it as a
// bitmap needs all of it, as the server does.
function decodes(file, url) {
  const decoding = window.createImageBitmap
    ? createImageBitmap(file).then((bitmap) => bitmap.close())
    : Object.assign(new Image(), { src: url }).decode();
  return decoding.then(
    () => true,
    () => false,
  );
}

// The attach still loading into the preview, answered false when a newer file takes the preview from it.
let loading = () => {};

/**
 * Puts `file` in the composer once its preview has loaded, all of it at once: until then the composer keeps the
 * image before (shown, painted on, sent) or stays hidden, so nothing of it (the preview, the brush's hint, the mask
 * over it, a Vary (Region)'s origin) is shown or sent for the other image.
 */
function show(file, url) {
  $('attach-error').replaceChildren();
  loading(false);
  const img = $('preview');
  return new Promise((resolve) => {
    loading = resolve;
    img.onload = () => {
      loading = () => {};
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      ctx2d.clearRect(0, 0, canvas.width, canvas.height);
      current = { file, width: img.naturalWidth, height: img.naturalHeight, painted: false };
      delete $('attachment').dataset.origin;
      img.alt = file.name;
      $('attachment').hidden = false;
      resolve(true);
    };
    img.onerror = () => {
      loading = () => {};
      // Named an image but not one (cut short, renamed): the server would refuse it after sending.
      detach();
      refuse(words.unreadable);
      resolve(false);
    };
    img.src = url;
  });
}

export function detach() {
  current = null;
  $('attach-error').replaceChildren();
  $('file').value = '';
  $('attachment').hidden = true;
  setDrawing(false);
}

/**
 * Takes the image (and the mask drawn on it) out of the composer for a send, and returns what puts it back should
 * that send fail; by then another image offered stays instead.
 */
export function setAside() {
  const kept = {
    image: current,
    origin: $('attachment').dataset.origin,
    turn: offered,
    drawing: $('draw').checked,
  };
  detach();
  return () => {
    if (!kept.image || kept.turn !== offered || current) return;
    // The preview and the mask canvas still hold it: only a new file changes them.
    current = kept.image;
    if (kept.origin) $('attachment').dataset.origin = kept.origin;
    $('attachment').hidden = false;
    // The brush as it was (Vary (Region) sends with it on): the next stroke paints, as before the send. A phone's
    // brush takes the whole screen, over the refusal just shown: there it waits for "Draw a mask" again.
    setDrawing(kept.drawing && !narrow.matches);
  };
}

function setDrawing(on) {
  $('draw').checked = on;
  canvas.style.pointerEvents = on ? 'auto' : 'none';
  // `drawing` hands the finger to the brush (mask.css: touch-action); `painting` is a phone's full-screen view.
  $('attachment').classList.toggle('drawing', on);
  $('attachment').classList.toggle('painting', on && narrow.matches);
  if (on && narrow.matches) coverPage();
  else uncoverPage();
}

/** A point of a pointer event on the canvas, in the canvas's own pixels. */
function pointOf(e, rect) {
  return {
    x: (e.clientX - rect.left) * (canvas.width / rect.width),
    y: (e.clientY - rect.top) * (canvas.height / rect.height),
  };
}

/**
 * Paints a dot where the brush goes down, then a line from its last point to each point of a move: a quick finger
 * goes further between two events than the brush is wide, and a dot per event left a dotted trail.
 */
function paint(e, down) {
  if (!$('draw').checked || !current) return;
  const rect = canvas.getBoundingClientRect();
  const radius = Number($('brush').value) * (canvas.width / rect.width);
  ctx2d.fillStyle = 'white';
  ctx2d.strokeStyle = 'white';
  ctx2d.lineCap = 'round';
  ctx2d.lineJoin = 'round';
  ctx2d.lineWidth = 2 * radius;
  ctx2d.beginPath();
  if (down) {
    ctx2d.arc(last.x, last.y, radius, 0, Math.PI * 2);
    ctx2d.fill();
  } else {
    ctx2d.moveTo(last.x, last.y);
    for (const p of e.getCoalescedEvents?.() ?? [e]) {
      last = pointOf(p, rect);
      ctx2d.lineTo(last.x, last.y);
    }
    ctx2d.stroke();
  }
  current.painted = true;
}
canvas.addEventListener('pointerdown', (e) => {
  // One brush: a second finger (a pinch begun on the picture) draws no line from the first.
  if (last) return;
  canvas.setPointerCapture(e.pointerId);
  last = pointOf(e, canvas.getBoundingClientRect());
  paint(e, true);
});
canvas.addEventListener(
  'pointermove',
  (e) => last && canvas.hasPointerCapture(e.pointerId) && paint(e, false),
);
// Lifted, or cancelled (the system took the gesture): either way the line ends.
canvas.addEventListener('lostpointercapture', () => (last = null));
// A finger's stroke is the brush's alone (mask.css's touch-action keeps it from scrolling): without this, Chromium
// took the next tap after a stroke as part of it, and Done or Clear mask needed two taps.
canvas.addEventListener('touchstart', (e) => e.cancelable && e.preventDefault(), { passive: false });
$('draw').addEventListener('change', () => setDrawing($('draw').checked));
// The drawn mask stays; only the full-screen view (and the brush) are put away.
$('mask-done').addEventListener('click', () => {
  setDrawing(false);
  refocusOpener($('draw'));
});
closeOnEscape(
  () => $('attachment').classList.contains('painting'),
  () => $('mask-done').click(),
);
canvas.style.pointerEvents = 'none';
$('clear-mask').addEventListener('click', () => {
  ctx2d.clearRect(0, 0, canvas.width, canvas.height);
  if (current) current.painted = false;
});
$('remove-image').addEventListener('click', () => {
  // A newer file still being checked or loaded goes with it: it would otherwise appear after the press.
  offered += 1;
  $('preview').onload = null;
  loading(false);
  loading = () => {};
  detach();
  // The button went with the image: the keyboard goes on in the message box rather than at the top of the page.
  $('text').focus();
});
$('file').addEventListener('change', (e) => attach(e.target.files[0]));
// Pasted text is for the box; a pasted or dropped file is checked like any other.
const firstFile = (files) => files.find((f) => f.type.startsWith('image/')) ?? files[0];
document.addEventListener('paste', (e) => {
  const files = [...(e.clipboardData?.files ?? [])];
  if (files.length > 0) attach(firstFile(files));
});
document.addEventListener('dragover', (e) => e.preventDefault());
document.addEventListener('drop', (e) => {
  e.preventDefault();
  const files = [...(e.dataTransfer?.files ?? [])];
  if (files.length > 0) attach(firstFile(files));
});

/** The drawn mask as a black/white PNG (white = regenerate). */
export function maskBlob() {
  const out = Object.assign(document.createElement('canvas'), { width: canvas.width, height: canvas.height });
  const c = out.getContext('2d');
  c.fillStyle = 'black';
  c.fillRect(0, 0, out.width, out.height);
  c.drawImage(canvas, 0, 0);
  return new Promise((resolve) => out.toBlob(resolve, 'image/png'));
}
