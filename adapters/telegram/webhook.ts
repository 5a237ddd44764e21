// Webhook mode: a plain HTTP server (TLS is the reverse proxy's job: Telegram only calls https:// URLs) that hands
// POSTs on one path to grammY. grammY compares X-Telegram-Bot-Api-Secret-Token in constant time and answers 401
// when it does not match, before the update is parsed or handled.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Api, type Bot, webhookCallback } from 'grammy';
import type { Logger } from '../../src/log.js';
import { TelegramReach } from './health.js';
import { ALLOWED_UPDATES } from './polling.js';

export interface WebhookListen {
  host: string;
  port: number;
  path: string;
  secretToken: string;
}

export interface WebhookServer {
  /** The port actually bound (tests listen on 0). */
  port: number;
  /** False once closed (or if the server failed after listening): Telegram's posts reach nothing. */
  readonly listening: boolean;
  close(): Promise<void>;
}

/** Updates are a few KB; anything much larger is not from Telegram. */
const MAX_BODY_BYTES = 1024 * 1024;

export async function serveWebhook(bot: Bot, listen: WebhookListen, log: Logger): Promise<WebhookServer> {
  // Telegram resends an update whose request fails or times out, so a slow handler answers 200 and goes on; what
  // goes on past the answer (that, and an album, answered as its items arrive) is kept by inbox.ts until it ends.
  const handle = webhookCallback(bot, 'http', {
    secretToken: listen.secretToken,
    onTimeout: 'return',
    timeoutMilliseconds: 50_000,
  });
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== listen.path) {
      res.writeHead(404).end();
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
      res.writeHead(413).end();
      return;
    }
    handle(req, res).catch((error: unknown) => {
      // A body that is not JSON: nothing to handle, and Telegram should not retry it forever.
      log.warn({ err: error }, 'telegram webhook request rejected');
      if (!res.headersSent) res.writeHead(400).end();
    });
  });
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
    'webhook not registered with Telegram yet',
  );
}
