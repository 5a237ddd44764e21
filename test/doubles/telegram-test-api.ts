import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import telegramTestApi from 'telegram-test-api';
import type { StoredBotUpdate, TelegramServer } from 'telegram-test-api/lib/telegramServer.js';
import { closeServer, listenOnLoopback, readBody } from './shared/http.js';

type TelegramClient = ReturnType<TelegramServer['getClient']>;
/** Node hands a CommonJS default import the whole `module.exports`, which this package sets to the class. */
const TelegramServerClass = telegramTestApi as unknown as typeof TelegramServer;

/**
 * `telegram-test-api` (npm) for text-only flows, with its quirks contained:
 * - its getUpdates ignores `timeout`, so grammY would poll ~1100 times/s: a small proxy in front of it turns
 *   getUpdates into a bounded long poll (the bot under test needs no change, only `apiRoot`);
 * - it needs a fixed port for its own client URL: a free loopback port is picked first;
 * - its client's getUpdates keeps polling after its timeout: use `waitForBotMessages` here instead.
 * What it cannot do (use fake-telegram for these): media, getFile, sendChatAction, setMyCommands (HTTP 500 with no
 * error_code), reply_to_message objects, chat types other than its client's; editMessageText returns null and
 * dates are in milliseconds.
 */
export interface TelegramTestApi {
  emulator: TelegramServer;
  /** Give this to grammY: `new Bot(api.token, { client: { apiRoot: api.apiRoot } })`. */
  apiRoot: string;
  token: string;
  /** The emulator's user-side client (sendMessage / sendCommand / sendCallback). */
  client: (options?: Parameters<TelegramServer['getClient']>[1]) => TelegramClient;
  /** Resolves once the bot has sent or edited `count` messages; bounded, lists what arrived on timeout. */
  waitForBotMessages: (count: number, timeoutMs?: number) => Promise<StoredBotUpdate[]>;
  /** getUpdates requests that reached the emulator, to check the polling rate stays sane. */
  readonly upstreamPolls: number;
  stop: () => Promise<void>;
}

async function freeLoopbackPort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('telegram-test-api: no loopback port');
  return address.port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startTelegramTestApi(
  options: { token?: string; maxLongPollMs?: number; pollEveryMs?: number } = {},
): Promise<TelegramTestApi> {
  const token = options.token ?? '123456:telegram-test-api-token';
  const maxLongPollMs = options.maxLongPollMs ?? 1000;
  const pollEveryMs = options.pollEveryMs ?? 20;
  const emulator = new TelegramServerClass({ port: await freeLoopbackPort(), host: '127.0.0.1' });
  await emulator.start();
  const upstream = emulator.config.apiURL;
  let upstreamPolls = 0;
  let stopping = false;

  const forward = async (url: string, method: string, contentType: string | undefined, body: Buffer) => {
    const response = await fetch(`${upstream}${url}`, {
      method,
      headers: contentType ? { 'content-type': contentType } : {},
      ...(method === 'GET' || method === 'HEAD' ? {} : { body }),
    });
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      text: await response.text(),
    };
  };

  const proxy: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req, 64 * 1024 * 1024);
      const url = req.url ?? '/';
      const method = req.method ?? 'GET';
      const type = req.headers['content-type'];
      let answer = await forward(url, method, type, body);
      if (/\/getUpdates$/.test(new URL(url, 'http://x').pathname)) {
        upstreamPolls += 1;
        let timeoutSeconds = 0;
        try {
          timeoutSeconds = Number(JSON.parse(body.toString('utf8') || '{}').timeout ?? 0);
        } catch {
          // Not JSON: treat as a short poll.
        }
        const deadline = Date.now() + Math.min(timeoutSeconds * 1000, maxLongPollMs);
        while (!stopping && !req.destroyed && Date.now() < deadline && /"result":\[\]/.test(answer.text)) {
          await sleep(pollEveryMs);
          answer = await forward(url, method, type, body);
          upstreamPolls += 1;
        }
      }
      if (res.destroyed) return;
      res.writeHead(answer.status, { 'content-type': answer.type ?? 'application/json' }).end(answer.text);
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          ok: false,
          error_code: 502,
          description: `telegram-test-api proxy: ${String(error)}`,
        }),
      );
    });
  });
  const port = await listenOnLoopback(proxy);

  return {
    emulator,
    apiRoot: `http://127.0.0.1:${port}`,
    token,
    client: (clientOptions) => emulator.getClient(token, clientOptions),
    get upstreamPolls() {
      return upstreamPolls;
    },
    async waitForBotMessages(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const messages = emulator.storage.botMessages.filter((update) => update.botToken === token);
        if (messages.length >= count) return messages;
        if (Date.now() > deadline) {
          throw new Error(
            `telegram-test-api: timed out after ${timeoutMs} ms waiting for ${count} bot message(s), got ` +
              `${messages.length}: ${JSON.stringify(messages.map((update) => update.message))}`,
          );
        }
        await sleep(10);
      }
    },
    async stop() {
      stopping = true;
      await closeServer(proxy);
      await emulator.stop();
    },
  };
}
