// The time limits of the bot's own HTTP servers that can face the internet (Telegram's webhook, Discord's interactions
// endpoint, the playground with WEB_HOST beyond loopback). On Node 20 a connection's header timeout runs from the
// moment it opens, so even a socket that never sends a byte gets a 408, but only after `headersTimeout` (60 s) and the
// next sweep of open connections (`connectionsCheckingInterval`, every 30 s): up to 90 s. A body sent a byte at a
// time is never idle, so only `requestTimeout` ends it: 5 minutes by default, again plus up to 30 s. A client that
// opens many connections and sends nothing, or trickles, holds sockets for that long each. Hence an idle limit, short
// header and request limits, and a sweep every second, so each limit holds to about a second. Telegram and Discord
// send a request whole and at once, so their limits are far above anything they need. A cap on open connections keeps
// a flood of sockets from taking the process's file descriptors (its database's and its gateway's among them).
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionLimits {
  /**
   * A connection with no traffic either way this long is closed, so it must be longer than the slowest answer the
   * server gives (no bytes flow while a handler works) and than the pause between an event stream's heartbeats.
   */
  idleMs: number;
  /** A request's headers must be in within this (counted from the connection's start, or the previous request's). */
  headersMs?: number;
  /** The whole request, body included, within this (0: no limit): else 408. */
  requestMs?: number;
  /** The most connections open at once (capConnections); none by default. */
  maxConnections?: number;
}

/**
 * `given` over `defaults`, a value given as undefined keeping its default: a plain spread would let
 * `{ maxConnections: undefined }` lift a server's cap.
 */
export function withDefaults(
  given: Partial<ConnectionLimits> | undefined,
  defaults: ConnectionLimits,
): ConnectionLimits {
  const defined = Object.entries(given ?? {}).filter(([, value]) => value !== undefined);
  return { ...defaults, ...Object.fromEntries(defined) };
}

const HEADERS_MS = 10_000;
const REQUEST_MS = 30_000;
/** How often Node looks for connections past `headersMs` or `requestMs`: each limit is kept to within this. */
const CHECK_MS = 1_000;
/** The most often it looks: a tiny header limit (an idle limit of 0 gives one of 0) must not make a busy loop of it. */
const MIN_CHECK_MS = 100;

/** Sets `server`'s limits; called before `listen`, which is when Node reads the checking interval. */
export function limitConnections(server: Server, limits: ConnectionLimits): void {
  const headersMs = Math.min(limits.headersMs ?? HEADERS_MS, limits.idleMs);
  const requestMs = limits.requestMs ?? REQUEST_MS;
  server.timeout = limits.idleMs;
  server.headersTimeout = headersMs;
  // Node refuses a request limit under the header limit; 0 turns it off.
  server.requestTimeout = requestMs === 0 ? 0 : Math.max(requestMs, headersMs);
  // @types/node knows it only as a createServer option; Node reads this property of the server when it listens.
  Reflect.set(server, 'connectionsCheckingInterval', Math.max(MIN_CHECK_MS, Math.min(CHECK_MS, headersMs)));
  if (limits.maxConnections !== undefined) capConnections(server, limits.maxConnections);
}

/**
 * At most `max` connections open: one more closes the oldest that has no request in progress (a silent socket, or one
 * kept alive after its answer), the new one itself when every other has. Node's own `server.maxConnections` drops the
 * newcomer instead, so a flood of silent sockets would keep every real request out until the header limit swept them.
 */
function capConnections(server: Server, max: number): void {
  // Sets and Maps keep insertion order: the oldest connection comes first.
  const open = new Set<Socket>();
  // Requests in progress per socket: with HTTP pipelining one socket carries several, and the first one's answer
  // must not make it look idle while the next still runs. A flood of sockets that send whole headers and then trickle
  // a body counts as busy, so past the cap newcomers are refused until the request limit (`requestMs`) sweeps them.
  const busy = new Map<Socket, number>();
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => {
      open.delete(socket);
      busy.delete(socket);
    });
    if (open.size <= max) return;
    for (const each of open) {
      if (busy.has(each)) continue;
      open.delete(each);
      each.destroy();
      return;
    }
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const left = (busy.get(socket) ?? 0) - 1;
      if (left > 0) busy.set(socket, left);
      else busy.delete(socket);
    });
  });
}
