// The playground page: a chat with the bot. Plain ES module, no build step.

import { answerForm } from './answer-form.js';
import {
  attach,
  attached,
  maskBlob,
  setAside,
  setAttachmentLimits,
  setAttachmentWords,
} from './attachment.js';
import { isBusy, setBusy } from './busy.js';
import { catchUp, finished } from './catch-up.js';
import { wireComposer } from './composer.js';
import { connectEvents } from './connection.js';
import { contextRow } from './context-row.js';
import { startCountdowns, tickEta } from './countdown.js';
import { strayDelete } from './delete-guard.js';
import { setDraftLimit } from './drafts.js';
import { lineWithFlags } from './flag-text.js';
import { removeKeepingFocus } from './focus-rescue.js';
import { wireOlder } from './older.js';
import { attachPalette } from './palette.js';
import { drawRegionOf } from './region.js';
import { labelButton, relocalizeShown } from './relocalize.js';
import { arrived, toBottom } from './scroll.js';
import { announce, say, showBanner } from './status.js';
import { currentStrings, loadStrings, otherLanguage, tr } from './strings.js';
import { dropTokenFromAddress } from './token-address.js';
import { hideWithUndo, removeMessage, sendOnLeaving } from './undo.js';
import { noteFinished, noteJob, noteReopened } from './unread.js';
import { userItem } from './user-line.js';
import { resultImage } from './viewer.js';

const $ = (id) => document.getElementById(id);
const log = $('log');
const messages = new Map(); // jobId → bot <li>
const info = { commands: [], flags: [] }; // what /api/info said: the composer's palette reads it as it is now
let olderBefore; // the history page to load next (older), if any
// Requests of this tab still unanswered: a job's event may overtake the answer that shows its message.
let asking = 0;
// Presses awaiting their answer, each with the later state (`replaces`) that overtook it on the event stream, if any.
const awaited = new Map();
let grow = () => {}; // fits the message box to its text, and keeps that as the tab's draft (composer.js)
let flags = []; // the flags the inline forms' palettes offer (palette.js)
window.dimooEvents = [];

const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};

async function init() {
  dropTokenFromAddress();
  Object.assign(info, await loadStrings());
  if (info.bundledModel) showBanner(tr('web.bundled_model'));
  attachPalette($('text'), $('palette'), info);
  flags = info.flags;
  setAttachmentLimits(info.imageLimits);
  setDraftLimit(info.maxLineChars);
  grow = wireComposer($('text'), $('composer'));
  wordsOfModules();
  const welcome = addBot({ lines: [tr('web.welcome')], images: [], buttons: [] }, false);
  welcome.querySelector('p').dataset.i18n = 'web.welcome';
  await loadHistory();
  // Back after a drop: the jobs started meanwhile are shown as live ones, their asked lines from the catch-up's page.
  connectEvents(
    (msg) => show(msg, true),
    () => catchUp(messages, { update, show: (msg, page) => show(msg, true, undefined, page) }),
  );
  document.body.dataset.ready = 'true';
}

function wordsOfModules() {
  setAttachmentWords({
    type: tr('web.file_type', 'Only PNG, JPEG or WebP images can be attached.'),
    unreadable: tr('web.file_unreadable', 'This image could not be read. Try another file.'),
    strings: currentStrings(),
  });
  if (!$('banner').hidden) $('banner-text').textContent = tr('web.bundled_model');
}

let relocalizing = false;
/** A reply in another language than the page (after /settings language): the page takes that one's words. */
async function followLanguage(msg) {
  if (relocalizing || !otherLanguage(msg)) return;
  relocalizing = true;
  try {
    Object.assign(info, await loadStrings());
    flags = info.flags;
    wordsOfModules();
    await relocalizeShown(messages, update);
  } catch {
    // Out of reach just now: the next reply in that language tries again.
  } finally {
    relocalizing = false;
  }
}

// --- history: the conversation rebuilt from the job store, newest page first ---
/** Shows a page of history; says whether older ones are left, and the oldest element it showed. */
async function loadHistory(before) {
  const res = await fetch(`/api/history${before ? `?before=${before}` : ''}`);
  if (!res.ok) return;
  const page = await res.json();
  olderBefore = page.before;
  // Entries come newest first; the page shows them oldest first, an older page above what is shown.
  const items = document.createDocumentFragment();
  for (const entry of [...page.entries].reverse()) {
    const bot = botItem(entry.reply, false);
    messages.set(entry.jobId, bot);
    // A job made by a button has no line of the user's (none showed live either).
    if (entry.asked.text || entry.asked.images.length)
      items.append(userItem(entry.asked.text, entry.asked.images));
    items.append(bot);
  }
  const oldest = items.firstElementChild;
  const first = log.querySelector('li.job-user');
  if (before && first) log.insertBefore(items, first);
  else log.append(items);
  // Shown while there is more; an older page's last press hides it (older.js, which minds the keyboard on it).
  if (olderBefore || !before) $('older').hidden = !olderBefore;
  if (!before) toBottom();
  return { more: Boolean(olderBefore), oldest };
}
wireOlder($('older'), async () => (olderBefore ? loadHistory(olderBefore) : undefined));

/** `speak` false: a message the page shows as it opens (the welcome, the history), not news to announce. */
function botItem(msg, speak = true) {
  const li = el('li', { className: 'bot' });
  update(li, msg, speak);
  // Reachable by script only: Undo and the pill put the keyboard here.
  li.tabIndex = -1;
  return li;
}

function update(li, msg, speak = true) {
  // A job's final state stays: a slower reply (the "Cancelling…" answer to a Cancel press that the job's own
  // "Cancelled" event overtook) must not bring it back to life. One exception, said by the state itself: a failure
  // that the next start does not keep, as it runs the job again ("paused, will restart", render.ts `corrects`).
  const corrects = msg.corrects && li.dataset.outcome === 'failed';
  if (li.dataset.state === 'final' && !msg.final && !corrects) return;
  if (corrects) noteReopened(li.dataset.job);
  const hadFocus = li.contains(document.activeElement);
  fill(li, msg);
  // The button that had the keyboard went with the update (Cancel, once the job ended): the message keeps it.
  if (hadFocus && !li.contains(document.activeElement)) li.focus({ preventScroll: true });
  announce(msg, li, speak);
  li.dataset.state = msg.final ? 'final' : 'live';
  if (msg.final && msg.outcome) li.dataset.outcome = msg.outcome;
  else delete li.dataset.outcome;
  if (msg.jobId) li.dataset.job = msg.jobId;
}

function fill(li, msg) {
  // The same buttons stay the same elements: progress updates must not swap a button away under a click.
  const ids = msg.buttons
    .flat()
    .map((b) => b.id)
    .join(' ');
  const kept = li.querySelector(':scope > .buttons[data-ids]');
  const row = kept && kept.dataset.ids === ids ? kept : null;
  // An open answer form (Remix, Edit…) stays with its button's row: its half-typed words are the user's.
  for (const child of [...li.children]) if (child !== row && !(row && child.matches('form'))) child.remove();
  const nodes = msg.lines.map(lineWithFlags);
  if (msg.etaAt) {
    const eta = el('p', { className: 'eta' });
    eta.dataset.etaAt = String(msg.etaAt);
    tickEta(eta, currentStrings());
    nodes.push(eta);
  } else if (msg.progress) {
    // In the countdown line's room, so Cancel does not jump; the line above says the same in words. Finishing (the
    // steps done, the image being made) has no value: a bar that moves, where a full one looked hung.
    const { step, total, finishing } = msg.progress;
    const bar = el('progress', { className: 'steps', ...(!finishing && { max: total, value: step }) });
    bar.setAttribute('aria-hidden', 'true');
    nodes.push(bar);
  } else if (!msg.final && msg.jobId) {
    // The queued reply's countdown line is gone once the steps start: its room stays, so Cancel does not jump.
    nodes.push(el('p', { className: 'eta-space', textContent: '\u00a0', ariaHidden: 'true' }));
  }
  const media = msg.images.map((image) => resultImage(image));
  if (msg.context) media.push(contextRow(msg.context, (id) => messages.get(id)));
  const buttons = row ?? buttonRow(msg, li, ids);
  // While a job runs its Cancel sits under the text, where previews arriving above cannot move it.
  const order = !buttons
    ? [...nodes, ...media]
    : msg.final
      ? [...nodes, ...media, buttons]
      : [...nodes, buttons, ...media];
  // Placed around the kept row and form, which never leave the page: a click on it is never lost to an update.
  let anchor = li.querySelector(':scope > form');
  for (const node of order.reverse()) {
    if (node !== row) li.insertBefore(node, anchor);
    anchor = node;
  }
}

function buttonRow(msg, li, ids) {
  if (msg.buttons.length === 0) return null;
  const row = el('div', { className: 'buttons rows' });
  row.dataset.ids = ids;
  // One container (a press disables all of it), each of the reply's rows on a line of its own.
  for (const buttons of msg.buttons) {
    const line = el('div', { className: 'line' });
    row.append(line);
    for (const b of buttons) {
      const button = el('button', { type: 'button', className: b.style });
      labelButton(button, b);
      button.dataset.action = b.id;
      button.addEventListener('click', (e) => press(b.id, li, button, e));
      line.append(button);
    }
  }
  return row;
}

startCountdowns(currentStrings);

function addBot(msg, speak = true) {
  const li = botItem(msg, speak);
  log.append(li);
  arrived();
  return li;
}

/**
 * `pressed`: the job whose button this answers, if any (its Cancel's "Cancelling…" is news about it). `history`: a
 * history page that holds a live job's asked line (a catch-up's), read instead of asking for one.
 */
function show(msg, live = false, pressed = undefined, history = undefined) {
  // Every reply and update, kept for the browser test and for debugging from the console.
  window.dimooEvents.push(msg);
  followLanguage(msg);
  if (msg.replaces !== undefined) {
    const source = log.querySelector(`li[data-pressed~="${CSS.escape(msg.replaces)}"]`);
    if (source) update(source, msg);
    // The job ended just as its press was answered: the answer, still on its way, is the older state.
    else if (awaited.has(msg.replaces)) awaited.set(msg.replaces, msg);
    return;
  }
  if (msg.deleteSource) {
    // A result deleted (here, or in another tab of the user's): gone from this page too, with the line that asked.
    // The keyboard on it (another tab's Delete) goes on from the next message.
    const words = () => tr('web.deleted_elsewhere', 'The message you were on was deleted in another tab.');
    if (messages.has(msg.jobId)) removeKeepingFocus(messages.get(msg.jobId), removeMessage, words);
    messages.delete(msg.jobId);
    return;
  }
  const known = msg.jobId && messages.get(msg.jobId);
  // Shown ended already (the history opened with it): its end heard again late is no news.
  if (finished(msg) && known?.dataset.state !== 'final') noteFinished(msg.jobId);
  if (known) {
    // The answer that made this job, overtaken by the job's own events (a "Started" before the "Queued" answer): it
    // is older than what they showed, and must not take the message back, nor the tab title's percent.
    const overtaken = !live && known.dataset.from === 'event' && msg.jobId !== pressed;
    if (!overtaken) {
      noteJob(msg);
      update(known, msg);
    }
    if (!live) delete known.dataset.from;
    arrived();
  } else {
    noteJob(msg);
    const li = addBot(msg);
    if (live) li.dataset.from = 'event';
    if (msg.jobId) messages.set(msg.jobId, li);
    if (live && msg.jobId) addAskedLine(msg.jobId, li, history);
  }
  // A permutation's further jobs: a message each, which their own events then update.
  for (const more of msg.more ?? []) show(more);
}

// --- buttons: one request per press, however fast the clicks; inline Edit; Delete with undo ---
async function press(id, li, button, click) {
  if (isBusy(button)) return;
  if (id.startsWith('edit:')) return editForm(id, li);
  if (id.startsWith('delete:')) return strayDelete(click) || deleteWithUndo(id, li);
  const row = button.closest('.buttons');
  setBusy(row.querySelectorAll('button'), true);
  try {
    await act(id, undefined, li);
  } finally {
    // Cancel and the follow-ups may be pressed again once this one is answered (a re-roll twice = two jobs).
    setBusy(row.querySelectorAll('button'), false);
  }
}

/**
 * Another tab's job: its user line (which the event lacks) comes from the store, as after a reload. Judged once this
 * tab's requests are answered: until then the job may be one of its own, whose answer the event overtook (`from`
 * goes with that answer), and the line above the message may be this tab's own, not this job's. A catch-up's jobs
 * are in the page it read (`history`): one request for all of them, not one each.
 */
async function addAskedLine(jobId, li, history) {
  while (asking > 0) await new Promise((resolve) => setTimeout(resolve, 50));
  if (li.dataset.from !== 'event') return;
  const res = history ? undefined : await fetch('/api/history').catch(() => undefined);
  const page = history ?? (res?.ok ? await res.json() : undefined);
  const entry = page?.entries.find((e) => e.jobId === jobId);
  if (entry?.asked.text && li.isConnected) li.before(userItem(entry.asked.text, entry.asked.images));
}

/**
 * Sends a press, or the answer to its question; false when the bot could not be reached (already said). A refused
 * answer whose form is still `open` is the form's to show: it comes back instead of going to the end of the page.
 */
async function act(id, answer, li, open = () => false) {
  asking += 1;
  awaited.set(id, undefined);
  try {
    const res = await fetch('/api/actions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id, answer }),
    });
    const msg = await res.json();
    // A question first (Remix: the /imagine line to change): the answer comes back with the same button id.
    if (msg.ask?.kind === 'region_line' && answer === undefined && (await drawRegionOf(li, msg.ask, attach)))
      return;
    if (msg.ask && answer === undefined) return editForm(id, li, msg.ask);
    if (msg.deleteSource) {
      li.remove();
      return;
    }
    if (msg.replaceSource && li.isConnected) {
      // Its later state (a list once the cancelled job has stopped) comes by the event stream, naming this press.
      li.dataset.pressed = `${li.dataset.pressed ?? ''} ${id}`.trim();
      return update(li, awaited.get(id) ?? msg);
    }
    if (msg.refused && answer !== undefined && open()) {
      window.dimooEvents.push(msg);
      followLanguage(msg);
      return msg;
    }
    show(msg, false, id.split(':')[1]);
  } catch {
    offline();
    return false;
  } finally {
    asking -= 1;
    awaited.delete(id);
  }
}

let offlineNotice = null;
function offline() {
  const line = tr('web.offline', 'The bot could not be reached.');
  // Tried again and again while the bot is away: one notice at the foot of the conversation, said every time.
  if (offlineNotice?.isConnected && log.lastElementChild === offlineNotice) return say(line);
  offlineNotice = addBot({ lines: [line], images: [], buttons: [] });
}

/** Asks inline (answer-form.js); a refusal of the answer is shown in its form while the form is open. */
function editForm(id, li, ask) {
  const { maxLineChars } = info;
  answerForm(id, li, ask, { flags, maxLineChars, send: (answer, open) => act(id, answer, li, open) });
}

function deleteWithUndo(id, li) {
  const words = { deleted: tr('web.deleted', 'Deleted.'), undo: tr('web.undo', 'Undo') };
  const leaving = () => sendOnLeaving(id);
  hideWithUndo(li, words, () => act(id, undefined, li), leaving);
}

$('composer').addEventListener('submit', async (e) => {
  e.preventDefault();
  if (isBusy($('send'))) return;
  const text = $('text').value.trim();
  if (!text && !attached()) return;
  setBusy([$('send')], true);
  const form = new FormData();
  form.append('text', text);
  const images = [];
  const image = attached();
  if (image) {
    form.append('image', image.file, image.file.name);
    if ($('attachment').dataset.origin) form.append('origin', $('attachment').dataset.origin);
    images.push({ role: 'image', src: $('preview').src });
    if (image.painted) {
      const mask = await maskBlob();
      form.append('mask', mask, 'mask.png');
      images.push({ role: 'mask', src: URL.createObjectURL(mask) });
    }
  }
  const mine = userItem(text, images);
  log.append(mine);
  // The user's own line is followed wherever they had scrolled.
  toBottom();
  $('text').value = '';
  grow();
  const putBack = setAside();
  // The line and its image (with the mask drawn over it) back into the composer, to be sent again, as an answer
  // stays in its form. A line typed since stays instead of this one; the image comes back unless another was
  // attached since (setAside's turn), or `image` is false: the image itself was refused, and sent again would be
  // refused again.
  const restore = (image = true) => {
    if (!$('text').value) $('text').value = text;
    grow();
    if (image) putBack();
  };
  try {
    asking += 1;
    // A job shown before the line was sent is not its answer's: /cancel's goes under the line, not over the job's.
    const shown = new Set(messages.keys());
    const res = await fetch('/api/messages', { method: 'POST', body: form });
    const msg = await res.json();
    show(shown.has(msg.jobId) ? { ...msg, jobId: undefined } : msg);
    // Refused (a flag out of range, a full queue) and nothing started: the line stays in the conversation with its
    // refusal under it, and comes back to be put right, rather than a long prompt or a drawn mask being lost to a
    // typo. A press of Send hands the keyboard back to the box; a user who went elsewhere meanwhile stays there.
    if (msg.refused) {
      restore(!msg.imageRefused);
      if (document.activeElement === $('send') || document.activeElement === document.body) $('text').focus();
    }
  } catch {
    // Not delivered (the server restarting, the network gone): the line and its image go back into the composer to
    // send again.
    mine.remove();
    restore();
    $('text').focus();
    offline();
  } finally {
    asking -= 1;
    setBusy([$('send')], false);
  }
});

init();
