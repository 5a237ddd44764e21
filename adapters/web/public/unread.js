// The page's title says from the tab bar what the page would show: results that arrived while it was in a
// background tab ("(2) dimoo-bot playground", until the page is looked at again), and how far a running job is
// ("40% · dimoo-bot playground"), so a long job's progress and its end are seen with no permission to ask for.
let unread = 0;
/**
 * Jobs heard to end, counted or not: an end heard again (caught up after a dropped stream, then its own late event)
 * counts once, and one that ended in view never counts later. A failure corrected ("paused, will restart") leaves
 * (`noteReopened`): the job's real end is still to come.
 */
const ended = new Set();
/** Running jobs' share done, the one heard from last at the end. */
const running = new Map();
/** The page's own title, in the page's language (`setBaseTitle`), which this module shows more in front of. */
let base = document.title;

function render() {
  const share = [...running.values()].pop();
  const percent =
    share === undefined
      ? ''
      : `${new Intl.NumberFormat(document.documentElement.lang || undefined, { style: 'percent' }).format(share)} · `;
  document.title = `${unread > 0 ? `(${unread}) ` : ''}${percent}${base}`;
}

/**
 * The page's title in its language now (strings.js, at start and after /settings language): what the tab shows
 * behind the count and percent, and alone once they are gone, never the words of the language before.
 */
export function setBaseTitle(title) {
  base = title;
  render();
}

/** A job that finished or failed, heard live or caught up with after a dropped stream (`jobId` once, however heard). */
export function noteFinished(jobId) {
  if (jobId !== undefined) {
    if (ended.has(jobId)) return;
    ended.add(jobId);
  }
  if (!document.hidden) return;
  unread += 1;
  render();
}

/** A job shown ended that runs again (a failure corrected): its real end is news, to count in a background tab. */
export function noteReopened(jobId) {
  ended.delete(jobId);
}

/** A job's message as it came (WebMessage): its progress while it runs, nothing once it waits, stops or ends. */
export function noteJob(msg) {
  if (!msg.jobId) return;
  running.delete(msg.jobId);
  const p = msg.progress;
  if (!msg.final && p && p.total > 0) running.set(msg.jobId, Math.min(1, Math.max(0, p.step / p.total)));
  render();
}

document.addEventListener('visibilitychange', () => {
  if (document.hidden || unread === 0) return;
  unread = 0;
  render();
});
