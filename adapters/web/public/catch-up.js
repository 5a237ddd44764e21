// Back after a drop of the live updates (connection.js): those sent meanwhile are gone, so the jobs shown are brought
// up to date from the store, and those started meanwhile (in another tab) shown as their events would have been.
import { noteFinished, noteJob } from './unread.js';

/** A job that finished or failed; one the user cancelled needs no reminder. */
export const finished = (msg) => msg.outcome === 'done' || msg.outcome === 'failed';

/**
 * Brings `messages` (job id → its message) up to date through `update(li, reply)`, and shows each job new to the page
 * through `show(reply, page)`: `page` is the history page read here, which holds that job's asked line, so however many
 * jobs a catch-up shows, it asks the server for the history once.
 */
export async function catchUp(messages, { update, show }) {
  // Back online but the server not yet answering (restarting): the next reconnect tries again.
  const res = await fetch('/api/history').catch(() => undefined);
  if (!res?.ok) return;
  const page = await res.json();
  // Newer than the newest shown (newest first): started meanwhile, in another tab, and shown as their events would
  // have been, counted if they finished (their asked line from the store, as for another tab's job heard live).
  const newest = page.entries.findIndex((entry) => messages.has(entry.jobId));
  // None of it shown: all new only when nothing was (after more than a page, or the shown deleted, none is known).
  const unseen = newest !== -1 ? page.entries.slice(0, newest) : messages.size === 0 ? page.entries : [];
  for (const entry of page.entries) {
    // As a live update would: the tab title drops the percent of a job that ended or stopped meanwhile, and counts
    // one shown here that finished then while the tab was in the background.
    noteJob(entry.reply);
    const li = messages.get(entry.jobId);
    if (!li) continue;
    // Shown ended already (as the history opened, or heard before the drop): no news.
    if (li.dataset.state !== 'final' && finished(entry.reply)) noteFinished(entry.jobId);
    update(li, entry.reply);
  }
  for (const entry of unseen.reverse()) show(entry.reply, page);
}
