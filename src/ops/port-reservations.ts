// Every port a start will listen on is taken before the model loads: with the 8B checkpoint that takes minutes, and a
// port another program holds was found only after them. Until its own server takes it over, each port answers 503
// with a "starting" page (a browser, a Telegram webhook delivery or a Discord interaction learns to come back later
// instead of meeting a closed port), and no other program can take it meanwhile. An adapter's server takes its port
// over first thing in the adapter's start, before the platform is reached, and answers the same until it serves.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { cannotListen, type Listener, type ServerName } from '../config/ports.js';
import { type Locale, matchLocale, t } from '../i18n.js';
import { listenProblem } from './listen-problem.js';

/** A port of the start that cannot be opened; its message is the one line (config/ports.ts cannotListen). */
export class PortUnavailableError extends Error {}

export interface PortReservations {
  /** Frees one server's port just before that server listens on it; a no-op when none is held for it. */
  release(name: ServerName): Promise<void>;
  /** Frees every port still held (the start ended, or its servers all listen). */
  releaseAll(): Promise<void>;
}

/** Seconds a client is asked to wait before it tries again (Retry-After). */
const RETRY_AFTER_S = 30;

/**
 * The answer of a port whose server cannot serve yet: 503 "starting" with Retry-After, in the language the request
 * asks for. The reservation gives it to every request; an adapter's own server, listening from its start, gives it
 * to what it cannot serve until its platform is reached (Telegram sends such an update again later).
 */
export function answerStarting(req: IncomingMessage, res: ServerResponse, defaultLocale: Locale): void {
  const locale = matchLocale(req.headers['accept-language']) ?? defaultLocale;
  res
    .writeHead(503, {
      'content-type': 'text/plain; charset=utf-8',
      'retry-after': String(RETRY_AFTER_S),
      // No kept-alive socket outlives the hand-over to the real server, and a body left unread is not waited for.
      connection: 'close',
    })
    .end(`${t(locale, 'server.starting')}\n`);
}

/** A server that answers every request with 503 "starting". */
function startingServer(defaultLocale: Locale): Server {
  return createServer((req, res) => answerStarting(req, res, defaultLocale));
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * Takes every listener's port, or throws PortUnavailableError naming the first that cannot be opened (those already
 * taken are freed again).
 */
export async function reservePorts(
  servers: readonly Listener[],
  defaultLocale: Locale,
): Promise<PortReservations> {
  const held = new Map<ServerName, Server>();
  for (const listener of servers) {
    const server = startingServer(defaultLocale);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(listener.port, listener.host, () => resolve());
      });
    } catch (error) {
      await Promise.all([...held.values()].map(close));
      const problem = listenProblem(error, listener.host);
      if (problem === undefined) throw error;
      throw new PortUnavailableError(cannotListen(listener, problem), { cause: error });
    }
    held.set(listener.name, server);
  }
  const release = async (name: ServerName) => {
    const server = held.get(name);
    held.delete(name);
    if (server) await close(server);
  };
  return {
    release,
    releaseAll: async () => {
      await Promise.all([...held.keys()].map(release));
    },
  };
}
