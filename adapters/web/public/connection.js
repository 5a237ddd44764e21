// Live updates (server-sent events), and what the page says while they cannot arrive. The notice is put into a live
// region that is on the page from the start (index.html's empty #connection-alert): a role="alert" that is itself
// unhidden when the connection drops is not read by every screen reader. It is said once a drop, however often the
// browser tries again meanwhile, and "Connected again" once the updates are back.
import { say } from './status.js';
import { tr } from './strings.js';

const region = document.getElementById('connection-alert');
// A browser retries by itself after a network error (the server restarting), but gives up for good on an answer that
// is no event stream (a proxy's 502 meanwhile): then the page opens a new stream itself after this long.
const REOPEN_MS = 3000;
let lost = false;

/**
 * Opens the stream: `onMessage` gets each update, `onBack` runs once the stream is back after a drop (the updates sent
 * meanwhile are gone).
 */
export function connectEvents(onMessage, onBack) {
  const events = new EventSource('/api/events');
  events.onmessage = (e) => onMessage(JSON.parse(e.data));
  events.onerror = () => {
    if (!lost) showLost();
    if (events.readyState === EventSource.CLOSED)
      setTimeout(() => connectEvents(onMessage, onBack), REOPEN_MS);
  };
  events.onopen = () => {
    document.body.dataset.connection = 'open';
    if (!lost) return;
    lost = false;
    region.replaceChildren();
    say(tr('web.reconnected', 'Connected again.'));
    onBack();
  };
}

function showLost() {
  lost = true;
  const note = Object.assign(document.createElement('p'), {
    id: 'connection',
    className: 'connection',
    textContent: tr('web.reconnecting', 'Connection lost: reconnecting…'),
  });
  region.replaceChildren(note);
  document.body.dataset.connection = 'lost';
}
