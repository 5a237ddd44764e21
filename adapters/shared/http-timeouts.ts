// The time limits of the adapters' own HTTP servers that face the internet (Telegram's webhook, Discord's
// interactions endpoint). Node's defaults leave a connection that never sends a byte open for ever (its header timeout
// starts with the first byte and there is no idle timeout), and wait 5 minutes for a body sent a byte at a time: a
// client that opens connections and sends nothing, or trickles, holds sockets until the process has none left. Both
// platforms send a request whole and at once, so these limits are far above anything they need.
import type { Server } from 'node:http';

/** A request's headers must be in within this, and the whole request within `REQUEST_MS`: else 408. */
const HEADERS_MS = 10_000;
const REQUEST_MS = 30_000;

/**
 * Sets `server`'s limits: a connection with no traffic either way for `idleMs` is closed, so `idleMs` must be longer
 * than the slowest answer the server gives (no bytes flow while a handler works).
 */
export function limitConnections(server: Server, idleMs: number): void {
  server.timeout = idleMs;
  server.headersTimeout = Math.min(HEADERS_MS, idleMs);
  server.requestTimeout = Math.max(REQUEST_MS, server.headersTimeout);
}
