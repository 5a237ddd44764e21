// The composer's image: attaching it (the button, paste, drop), the mask drawn over it, and what may be attached.
// A file the server would refuse (an SVG, a text file, a picture the browser cannot even decode) is answered at
// once with a line under the composer, rather than after sending or not at all.
const $ = (id) => document.getElementById(id);
const ACCEPTED = $('file').accept.split(',');
const canvas = $('mask');
const ctx2d = canvas.getContext('2d');
// On a phone the preview is a thumbnail: drawing on it takes the whole screen instead.
const narrow = window.matchMedia('(max-width: 40rem)');
let current = null; // { file, width, height, painted }
let drawing = false;
let words = {
  type: 'Only PNG, JPEG or WebP images can be attached.',
  unreadable: 'This image could not be read.',
};

export const attached = () => current;

/** @param {{ type: string, unreadable: string }} next the refusals in the page's language */
export function setAttachmentWords(next) {
  words = next;
}

function refuse(text) {
  $('attach-error').textContent = text;
  $('attach-error').hidden = false;
}

export function attach(file) {
  if (!file || !ACCEPTED.includes(file.type)) {
    $('file').value = '';
    return refuse(words.type);
  }
  $('attach-error').hidden = true;
  delete $('attachment').dataset.origin;
  const img = $('preview');
  img.onload = () => {
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    ctx2d.clearRect(0, 0, canvas.width, canvas.height);
    current = { file, width: img.naturalWidth, height: img.naturalHeight, painted: false };
  };
  img.onerror = () => {
    // Named an image but not one (cut short, renamed): the server would refuse it after sending.
    detach();
    refuse(words.unreadable);
  };
  img.src = URL.createObjectURL(file);
  img.alt = file.name;
  $('attachment').hidden = false;
}

export function detach() {
  current = null;
  $('attach-error').hidden = true;
  $('file').value = '';
  $('attachment').hidden = true;
  setDrawing(false);
}

function setDrawing(on) {
  $('draw').checked = on;
  canvas.style.pointerEvents = on ? 'auto' : 'none';
  $('attachment').classList.toggle('painting', on && narrow.matches);
}

function paintAt(e) {
  if (!drawing || !$('draw').checked || !current) return;
  const rect = canvas.getBoundingClientRect();
  const x = ((e.clientX - rect.left) / rect.width) * canvas.width;
  const y = ((e.clientY - rect.top) / rect.height) * canvas.height;
  const radius = (Number($('brush').value) / rect.width) * canvas.width;
  ctx2d.fillStyle = 'white';
  ctx2d.beginPath();
  ctx2d.arc(x, y, radius, 0, Math.PI * 2);
  ctx2d.fill();
  current.painted = true;
}
canvas.addEventListener('pointerdown', (e) => {
  drawing = true;
  canvas.setPointerCapture(e.pointerId);
  paintAt(e);
});
canvas.addEventListener('pointermove', paintAt);
canvas.addEventListener('pointerup', () => (drawing = false));
$('draw').addEventListener('change', () => setDrawing($('draw').checked));
// The drawn mask stays; only the full-screen view (and the brush) are put away.
$('mask-done').addEventListener('click', () => {
  setDrawing(false);
  $('draw').focus();
});
$('attachment').addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && $('attachment').classList.contains('painting')) $('mask-done').click();
});
canvas.style.pointerEvents = 'none';
$('clear-mask').addEventListener('click', () => {
  ctx2d.clearRect(0, 0, canvas.width, canvas.height);
  if (current) current.painted = false;
});
$('remove-image').addEventListener('click', detach);
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
