// What the page says besides the conversation. The conversation is no live region (each progress step would be
// read out again): a hidden status line says once when a job is queued or started, once how it ended, and the first
// line of any other reply as it arrives (an answer to /queue, a refusal), which the reader would otherwise not hear
// at all. What the page shows as it opens (the welcome, the history) is not news and is not said. And the
// random-checkpoint banner, which a user may put away for good once read.
const status = document.getElementById('status');
const said = new Map(); // jobId → the phase last announced
const BANNER_KEY = 'dimoo.banner-dismissed';

/**
 * Says `text` once, politely. A node of its own each time: the same words again (a second drop of the connection)
 * are a change a screen reader reads, where text set over the same text may not be.
 */
export function say(text) {
  status.replaceChildren(Object.assign(document.createElement('span'), { textContent: text }));
}

/**
 * Marks the job's message busy while it runs and announces its phase changes, not its steps; a reply of no job is
 * announced as it comes. `speak` false: shown, not said (its phase counts as said).
 */
export function announce(msg, li, speak = true) {
  if (!msg.jobId) {
    if (speak && msg.lines[0]) say(msg.lines[0]);
    return;
  }
  li.setAttribute('aria-busy', String(!msg.final));
  const phase = msg.final ? (msg.outcome ?? 'done') : 'live';
  if (said.get(msg.jobId) === phase) return;
  said.set(msg.jobId, phase);
  if (speak) say(msg.lines[0] ?? '');
}

/** Shows `text` in the banner unless it was dismissed before (the same text: a new one is shown again). */
export function showBanner(text) {
  const banner = document.getElementById('banner');
  let seen = null;
  try {
    seen = localStorage.getItem(BANNER_KEY);
  } catch {
    // Storage refused (a private window): the banner just shows every time.
  }
  if (seen === text) return;
  document.getElementById('banner-text').textContent = text;
  banner.hidden = false;
  document.getElementById('banner-dismiss').addEventListener('click', () => {
    banner.hidden = true;
    try {
      localStorage.setItem(BANNER_KEY, text);
    } catch {}
    document.getElementById('text').focus();
  });
}
