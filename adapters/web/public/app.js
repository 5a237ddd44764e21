// The playground page: a chat with the bot. Plain ES module, no build step.
const $ = (id) => document.getElementById(id);
const log = $('log');
const messages = new Map(); // jobId → <li>
let strings = {};
let attached = null; // { file, width, height }
window.dimooEvents = [];

const tr = (key, fallback) => strings[key] ?? fallback ?? key;

async function init() {
  const info = await (await fetch('/api/info')).json();
  strings = info.strings;
  document.documentElement.lang = info.locale;
  for (const el of document.querySelectorAll('[data-i18n]'))
    el.textContent = tr(el.dataset.i18n, el.textContent);
  for (const el of document.querySelectorAll('[data-i18n-placeholder]'))
    el.placeholder = tr(el.dataset.i18nPlaceholder, el.placeholder);
  if (info.bundledModel) {
    $('banner').textContent = tr('web.bundled_model');
    $('banner').hidden = false;
  }
  const events = new EventSource('/api/events');
  events.onmessage = (e) => {
    show(JSON.parse(e.data));
  };
  addBot({ lines: [tr('web.welcome')], images: [], buttons: [] });
}

function addItem(cls) {
  const li = document.createElement('li');
  li.className = cls;
  log.append(li);
  li.scrollIntoView({ block: 'end' });
  return li;
}

function fill(li, msg) {
  li.replaceChildren();
  for (const line of msg.lines) {
    const p = document.createElement('p');
    p.textContent = line;
    li.append(p);
  }
  if (msg.etaAt) {
    const eta = document.createElement('p');
    eta.className = 'eta';
    eta.dataset.etaAt = String(msg.etaAt);
    li.append(eta);
    tickEta(eta);
  }
  for (const image of msg.images) {
    const img = document.createElement('img');
    img.src = image.src;
    img.alt = image.alt;
    img.dataset.filename = image.filename;
    li.append(img);
  }
  if (msg.buttons.length > 0) {
    const row = document.createElement('div');
    row.className = 'buttons';
    for (const b of msg.buttons.flat()) {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = b.label;
      button.className = b.style;
      button.dataset.action = b.id;
      button.addEventListener('click', () => press(b.id, li));
      row.append(button);
    }
    li.append(row);
  }
}

function tickEta(el) {
  const seconds = Math.max(0, Math.round((Number(el.dataset.etaAt) - Date.now()) / 1000));
  el.textContent = tr('web.eta', 'ETA {s} s').replace('{s}', String(seconds));
}
setInterval(() => document.querySelectorAll('.eta').forEach(tickEta), 1000);

function addBot(msg) {
  const li = addItem('bot');
  fill(li, msg);
  return li;
}

function show(msg) {
  // Every reply and update, kept for the browser test and for debugging from the console.
  window.dimooEvents.push(msg);
  if (msg.deleteSource) return;
  const known = msg.jobId && messages.get(msg.jobId);
  if (known) {
    const atBottom = known === log.lastElementChild;
    fill(known, msg);
    if (atBottom) known.scrollIntoView({ block: 'end' });
    known.dataset.state = msg.final ? 'final' : 'live';
    return;
  }
  const li = addBot(msg);
  if (msg.jobId) messages.set(msg.jobId, li);
  li.dataset.state = msg.final ? 'final' : 'live';
}

async function press(id, li) {
  let answer;
  if (id.startsWith('edit:')) {
    answer = prompt(tr('web.edit_prompt', 'Edit instruction'));
    if (!answer) return;
  }
  const res = await fetch('/api/actions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id, answer }),
  });
  const msg = await res.json();
  if (msg.deleteSource) {
    li.remove();
    return;
  }
  show(msg);
}

// --- attachment and mask drawing ---
const canvas = $('mask');
const ctx2d = canvas.getContext('2d');
let drawing = false;

function attach(file) {
  if (!file) return;
  const url = URL.createObjectURL(file);
  const img = $('preview');
  img.onload = () => {
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    ctx2d.clearRect(0, 0, canvas.width, canvas.height);
    attached = { file, width: img.naturalWidth, height: img.naturalHeight, painted: false };
  };
  img.onerror = () => {
    attached = { file, width: 0, height: 0, painted: false };
  };
  img.src = url;
  img.alt = file.name;
  $('attachment').hidden = false;
}

function paintAt(e) {
  if (!drawing || !$('draw').checked || !attached) return;
  const rect = canvas.getBoundingClientRect();
  const x = ((e.clientX - rect.left) / rect.width) * canvas.width;
  const y = ((e.clientY - rect.top) / rect.height) * canvas.height;
  const radius = (Number($('brush').value) / rect.width) * canvas.width;
  ctx2d.fillStyle = 'white';
  ctx2d.beginPath();
  ctx2d.arc(x, y, radius, 0, Math.PI * 2);
  ctx2d.fill();
  attached.painted = true;
}
canvas.addEventListener('pointerdown', (e) => {
  drawing = true;
  canvas.setPointerCapture(e.pointerId);
  paintAt(e);
});
canvas.addEventListener('pointermove', paintAt);
canvas.addEventListener('pointerup', () => (drawing = false));
$('draw').addEventListener(
  'change',
  () => (canvas.style.pointerEvents = $('draw').checked ? 'auto' : 'none'),
);
canvas.style.pointerEvents = 'none';
$('clear-mask').addEventListener('click', () => {
  ctx2d.clearRect(0, 0, canvas.width, canvas.height);
  if (attached) attached.painted = false;
});
$('remove-image').addEventListener('click', detach);
$('file').addEventListener('change', (e) => attach(e.target.files[0]));
document.addEventListener('paste', (e) => {
  const file = [...(e.clipboardData?.files ?? [])].find((f) => f.type.startsWith('image/'));
  if (file) attach(file);
});
document.addEventListener('dragover', (e) => e.preventDefault());
document.addEventListener('drop', (e) => {
  e.preventDefault();
  attach([...e.dataTransfer.files].find((f) => f.type.startsWith('image/')));
});

function detach() {
  attached = null;
  $('file').value = '';
  $('attachment').hidden = true;
  $('draw').checked = false;
  canvas.style.pointerEvents = 'none';
}

/** The drawn mask as a black/white PNG (white = regenerate). */
function maskBlob() {
  const out = document.createElement('canvas');
  out.width = canvas.width;
  out.height = canvas.height;
  const c = out.getContext('2d');
  c.fillStyle = 'black';
  c.fillRect(0, 0, out.width, out.height);
  c.drawImage(canvas, 0, 0);
  return new Promise((resolve) => out.toBlob(resolve, 'image/png'));
}

$('composer').addEventListener('submit', async (e) => {
  e.preventDefault();
  const text = $('text').value.trim();
  if (!text && !attached) return;
  const form = new FormData();
  form.append('text', text);
  const mine = addItem('user');
  const p = document.createElement('p');
  p.textContent = text;
  mine.append(p);
  if (attached) {
    form.append('image', attached.file, attached.file.name);
    const thumb = document.createElement('img');
    thumb.src = $('preview').src;
    thumb.alt = attached.file.name;
    mine.append(thumb);
    if (attached.painted) form.append('mask', await maskBlob(), 'mask.png');
  }
  $('text').value = '';
  detach();
  $('send').disabled = true;
  try {
    const res = await fetch('/api/messages', { method: 'POST', body: form });
    show(await res.json());
  } catch {
    addBot({ lines: [tr('web.offline', 'The bot could not be reached.')], images: [], buttons: [] });
  } finally {
    $('send').disabled = false;
  }
});

init();
