// What the page says besides the conversation. The conversation is no live region (each progress step would be
// read out again): a hidden status line says once when a job is queued or started, and once how it ended. And the
// random-checkpoint banner, which a user may put away for good once read.
const status = document.getElementById('status');
const said = new Map(); // jobId → the phase last announced
const BANNER_KEY = 'dimoo.banner-dismissed';

/** Marks the job's message busy while it runs and announces its phase changes, not its steps. */
export function announce(msg, li) {
  if (!msg.jobId) return;
  li.setAttribute('aria-busy', String(!msg.final));
  const phase = msg.final ? (msg.outcome ?? 'done') : 'live';
  if (said.get(msg.jobId) === phase) return;
  said.set(msg.jobId, phase);
  status.textContent = msg.lines[0] ?? '';
}

/** An error of the page itself (the bot out of reach), said at once. */
export function announceText(text) {
  status.textContent = text;
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
