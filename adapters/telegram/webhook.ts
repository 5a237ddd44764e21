// Webhook mode: a plain HTTP server (TLS is the reverse proxy's job: Telegram only calls https:// URLs) that hands
// POSTs on one path to grammY. The secret header and the body's size are checked here, before grammY: its own
// compare of X-Telegram-Bot-Api-Secret-Token returns early when the lengths differ (so the time taken tells a guesser
// how long the secret is), and it reads a body to its end whatever its size (a chunked one announces none). It listens
// from the adapter's start on, before Telegram is reached: until `open()` an update is answered 503 "starting", as
// the port's reservation answered it, and Telegram sends it again later. Once the stopping bot can keep no more
// (`refuseUpdates`), an update is answered 503 too, even on a connection Telegram kept alive past `close`.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Api, type Bot, webhookCallback } from 'grammy';
import type { Update } from 'grammy/types';
import type { Locale } from '../../src/i18n.js';
import type { Logger } from '../../src/log.js';
import { answerStarting } from '../../src/ops/port-reservations.js';
import { BodyCut, BodyTooLarge, PLATFORM_BODY_LIMIT_BYTES, readBody } from '../shared/http-body.js';
import { type ConnectionLimits, limitConnections, withDefaults } from '../shared/http-timeouts.js';
import { sameSecret } from '../shared/same-secret.js';
import { TelegramReach } from './health.js';
import { ALLOWED_UPDATES } from './polling.js';

export interface WebhookListen {
  host: string;
  port: number;
  path: string;
  secretToken: string;
  /** The language of the 503 "starting" answer when a request asks for none. */
  defaultLocale: Locale;
  /**
   * Tests shorten these; default `IDLE_MS` and the shared header and request limits. grammY's limit on a handler
   * follows a shortened idle limit (`handlerMsFor`), so a slow handler's answer still comes before the cut.
   */
  limits?: Partial<ConnectionLimits>;
}

export interface WebhookServer {
  /** The port actually bound (tests listen on 0). */
  port: number;
  /** False once closed (or if the server failed after listening): Telegram's posts reach nothing. */
  readonly listening: boolean;
  /** Updates are handed to grammY from now on (the bot knows itself, and what an earlier run left is handed first). */
  open(): void;
  /**
   * The bot can keep no more updates (its store is about to close): from now on an update is answered 503, not 200,
   * so that Telegram sends it again (to the next start), and each connection closes with its answer. `close` stops
   * new connections only: Telegram may post more on one it keeps alive.
   */
  refuseUpdates(): void;
  close(): Promise<void>;
}

const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

/**
 * Connections open at once. Telegram opens at most setWebhook's `max_connections` (left at its default, 40; 100 at
 * most), and a reverse proxy in front opens one per request in flight; past the cap the oldest idle one goes.
 */
export const WEBHOOK_MAX_CONNECTIONS = 128;

/**
 * grammY answers 200 once a handler has run this long (`timeoutMilliseconds`), the handler going on. The connection is
 * silent meanwhile, so the idle limit must be longer, or a slow handler's connection is cut before its answer and
 * Telegram sends the update again: the one rule between the two.
 */
const HANDLER_MS = 50_000;
const IDLE_MS = HANDLER_MS + 10_000;

/** grammY's limit for a handler under an idle limit of `idleMs`: HANDLER_MS, shortened in proportion below IDLE_MS. */
function handlerMsFor(idleMs: number): number {
  return Math.min(HANDLER_MS, Math.floor((idleMs * HANDLER_MS) / IDLE_MS));
}

/** A missing header is compared as an empty one, a repeated one as Node joins it: every request takes one path. */
function rightSecret(given: string | string[] | undefined, expected: string): boolean {
  return sameSecret(Array.isArray(given) ? given.join(', ') : (given ?? ''), expected);
}

/**
 * The update a body holds: a JSON object with an update_id, as every update Telegram posts is. Anything else would
 * reach grammY (which throws on `null`) and the handlers, whose repeat check and inbox key on that id.
 */
function updateIn(body: Buffer): Update | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const id: unknown = Reflect.get(parsed, 'update_id');
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? (parsed as Update) : undefined;
}

/** The refusal of a request whose body stays unread: the connection closes with it, so no more of it comes. */
function refuse(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, connection: 'close' }).end();
}

export async function serveWebhook(bot: Bot, listen: WebhookListen, log: Logger): Promise<WebhookServer> {
  // Telegram resends an update whose request fails or times out, so a slow handler answers 200 and goes on; what
  // goes on past the answer (that, and an album, answered as its items arrive) is kept by inbox.ts until it ends.
  // grammY gets the update read and checked here, so its own secret check has nothing to compare (none is given).
  const idleMs = listen.limits?.idleMs ?? IDLE_MS;
  let open = false;
  let refusing = false;
  // Once refusing, the answers still to come close their connections: none is posted on again.
  const closing = (res: ServerResponse) => {
    if (refusing && !res.headersSent) res.setHeader('connection', 'close');
    return res;
  };
  const handle = webhookCallback(
    bot,
    (update: Update, res: ServerResponse) => ({
      update,
      end: () => closing(res).end(),
      respond: (json: string) =>
        closing(res).writeHead(200, { 'content-type': 'application/json' }).end(json),
      unauthorized: () => refuse(res, 401),
    }),
    { onTimeout: 'return', timeoutMilliseconds: handlerMsFor(idleMs) },
  );
  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    // Both leave a body unread: the connection closes with the answer.
    if (path !== listen.path) return refuse(res, 404);
    if (req.method !== 'POST') return refuse(res, 405, { allow: 'POST' });
    if (!rightSecret(req.headers[SECRET_HEADER], listen.secretToken)) {
      refuse(res, 401);
      return;
    }
    if (!open) return answerStarting(req, res, listen.defaultLocale);
    if (refusing) return refuse(res, 503);
    let body: Buffer;
    try {
      body = await readBody(req, PLATFORM_BODY_LIMIT_BYTES);
    } catch (error) {
      if (error instanceof BodyCut) return;
      if (error instanceof BodyTooLarge) return refuse(res, 413);
      throw error;
    }
    const update = updateIn(body);
    if (!update) {
      // Nothing to handle (Telegram sends no such body; a 400 is not retried for ever). Logged by its size alone:
      // JSON.parse's message quotes the body.
      log.warn({ bytes: body.length }, 'telegram webhook body is not an update');
      res.writeHead(400).end();
      return;
    }
    // Read while the bot stopped keeping updates: answered 200, it would be lost.
    if (refusing) return refuse(res, 503);
    await handle(update, res);
  };
  const server: Server = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      log.warn({ err: error }, 'telegram webhook request failed');
      if (!res.headersSent) res.writeHead(400).end();
    });
  });
  limitConnections(server, withDefaults(listen.limits, { idleMs, maxConnections: WEBHOOK_MAX_CONNECTIONS }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    get listening() {
      return server.listening;
    },
    open: () => {
      open = true;
    },
    refuseUpdates: () => {
      refusing = true;
      server.closeIdleConnections();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

/**
 * Telling Telegram where to post (setWebhook, pending updates kept as in polling mode), tried as getMe is at start:
 * once briefly, then again with growing waits until Telegram takes it or the bot stops; `reason()` names it for
 * /readyz meanwhile. Setting the same webhook again changes nothing, so a try that timed out after Telegram took it
 * does no harm.
 */
export function webhookRegistration(
  api: Api,
  url: string,
  secret: string,
  stopped: AbortSignal,
): TelegramReach<true> {
  return new TelegramReach<true>(
    (signal) =>
      api.setWebhook(
        url,
        { secret_token: secret, allowed_updates: ALLOWED_UPDATES, drop_pending_updates: false },
        // grammY types its signal as its abort-controller shim's; Node's own is what it takes at run time.
        signal as Parameters<Api['setWebhook']>[2],
      ),
    stopped,
    api.token,
    'webhook not registered with Telegram yet',
  );
}
