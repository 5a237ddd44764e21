// The local playground: a small node:http server speaking the bot's commands to a chat-like page. Binds to
// loopback by default; anywhere else it requires WEB_ACCESS_TOKEN. Static files come from a fixed allowlist.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ALL_FLAGS,
  askKindOf,
  type CommandContext,
  type Commands,
  descriptionKey,
  listedCommands,
  MAX_LINE_CHARS,
  MAX_PROMPT_CHARS,
  parseButtonId,
  type Reply,
  textReply,
} from '../../commands/index.js';
import { catalog, formatBytes, type Locale, matchLocale, t } from '../../src/i18n.js';
import type { Logger } from '../../src/log.js';
import { partSent } from '../shared/delivered.js';
import { type ConnectionLimits, limitConnections, withDefaults } from '../shared/http-timeouts.js';
import { announcesJson, type HostPolicy, hostPolicy, refusalOf } from './guard.js';
import { imageRefusals, pageImageLimits } from './image-limits.js';
import { BadRequest, BodyTooLarge, readJson } from './json-body.js';
import { toWebHistoryEntry, toWebMessage } from './render.js';
import { route } from './router.js';
import { setSecurityHeaders } from './security-headers.js';
import { CLOSES_CONNECTION, identify, isLoopback } from './session.js';
import { EventStreams, PING_MS } from './sse.js';
import { serveAsset } from './static.js';
import {
  FieldTooLong,
  MalformedUpload,
  maxUploadBytes,
  readUpload,
  UploadAborted,
  UploadTooLarge,
} from './uploads.js';

export interface PlaygroundOptions {
  commands: Commands;
  host: string;
  port: number;
  accessToken?: string;
  maxInputBytes: number;
  /** The commands' limit on an input image's width × height (`config.limits.maxInputPixels`), told to the page. */
  maxInputPixels: number;
  defaultLocale: Locale;
  /** Shown as a banner: the model is the generated random one. */
  bundledModel: boolean;
  device: string;
  log: Logger;
  /**
   * The queue's `failureTold` (JobQueueApi): a failed ending was written to an open page of its owner. The page has
   * no status board, so this is how a failure the database refused to store counts as told (no second apology).
   */
  failureTold?: (jobId: string) => void;
  /** Tests shorten these; default `playgroundLimits`. */
  limits?: Partial<ConnectionLimits>;
}

export interface Playground {
  url: string;
  close(): Promise<void>;
}

/**
 * Open connections at most: each open page holds one event stream (a request in progress, never the one closed for a
 * newcomer) and a few kept-alive ones the browser reuses, which go first. 512 leaves some hundreds of pages room
 * while a flood of sockets stays well under the usual 1024 file descriptors, the database's among them.
 */
export const PLAYGROUND_MAX_CONNECTIONS = 512;

/**
 * The playground's connection limits (it may face other machines, WEB_HOST with WEB_ACCESS_TOKEN). Idle: far above
 * its event streams' heartbeat (a quarter of it, at most PING_MS) and any answer's wait. Headers: a slow phone sends
 * them in well under 20 s. The whole request: the largest upload at 16 KiB/s (a poor mobile link), at least 5
 * minutes (Node's default), so an upload is never cut for being slow; a body that stalls meets the idle limit.
 */
export function playgroundLimits(
  maxInputBytes: number,
  given: Partial<ConnectionLimits> = {},
): ConnectionLimits {
  const slowestUploadMs = Math.ceil(maxUploadBytes(maxInputBytes) / (16 * 1024)) * 1000;
  return withDefaults(given, {
    idleMs: 120_000,
    headersMs: 20_000,
    requestMs: Math.max(300_000, slowestUploadMs),
    maxConnections: PLAYGROUND_MAX_CONNECTIONS,
  });
}

/** A finished result of another job than the pressed button's: one the press made, with no job event to carry it. */
function madeAtOnce(reply: Reply, pressed: string | undefined): boolean {
  return (
    reply.final === true && reply.outcome === 'done' && reply.jobId !== undefined && reply.jobId !== pressed
  );
}

/**
 * Whether the answer was written: a client that went away mid-request (a cut-off upload) reads none. Every answer
 * of 400 or above, a refusal or a failure (500), closes the connection (`CLOSES_CONNECTION`), as a 401 or 403 does.
 */
function json(res: ServerResponse, status: number, body: unknown): boolean {
  if (res.destroyed) return false;
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...(status >= 400 ? CLOSES_CONNECTION : {}),
  });
  res.end(JSON.stringify(body));
  return true;
}

export async function startPlaygroundServer(options: PlaygroundOptions): Promise<Playground> {
  if (!isLoopback(options.host) && !options.accessToken) {
    throw new Error(
      `WEB_HOST=${options.host} is reachable from other machines: set WEB_ACCESS_TOKEN to protect the playground`,
    );
  }
  const { commands, log } = options;
  // Reachable from this machine only (the guard also refuses other sites' pages): its one user is not rate-limited.
  const ownMachine = isLoopback(options.host) && !options.accessToken;
  const contextFor = (user: string, language: string | undefined) =>
    commands.context({ user: { platform: 'web', userId: user }, scope: 'playground', language, ownMachine });
  const contextOf = (req: IncomingMessage, user: string) => contextFor(user, req.headers['accept-language']);
  // Before the user is known (a request that failed early): the browser's language.
  const headerLocale = (req: IncomingMessage): Locale =>
    matchLocale(req.headers['accept-language']) ?? options.defaultLocale;

  const imageLimits = pageImageLimits(options.maxInputBytes, options.maxInputPixels);
  // A reply is one response, its further messages (`more`) inside it: once written, each counts as sent, and what
  // its lines deliver (a /queue answer) is delivered (adapters/shared/delivered.ts); unwritten, nothing is.
  const respond = (res: ServerResponse, ctx: CommandContext, reply: Reply) => {
    if (!json(res, 200, toWebMessage(reply, ctx.locale))) return;
    const sent = partSent(commands, ctx);
    for (const one of [reply, ...(reply.more ?? [])]) sent(one);
  };

  const limits = playgroundLimits(options.maxInputBytes, options.limits);
  const streams = new EventStreams(Math.min(PING_MS, Math.floor(limits.idleMs / 4)));
  // Each event in the language the user's replies are in now: a `/settings language` made while the page was open
  // applies to the jobs already running, as it does to the next reply. A job's `queued` too: the answer to its
  // submission reaches the page that sent it, and the user's other pages would not know of a job that waits (no
  // event comes until its place changes or it starts); the sending page takes it as it takes a `started` that
  // overtook that answer (public/app.js `show`).
  const send = (userId: string, reply: Reply) =>
    streams.send(userId, (language) => toWebMessage(reply, contextFor(userId, language).locale));
  const unsubscribe = commands.subscribe(
    ({ job, reply }) => {
      const wrote = send(job.owner.userId, reply);
      // No page open: nobody heard it, and the next start's apology stays.
      if (wrote && reply.final === true && reply.outcome === 'failed') options.failureTold?.(job.id);
    },
    'web',
    { queued: true },
  );

  // Set once listening, before any request can arrive: the port is the bound one (0 asks the system for one).
  let policy: HostPolicy | undefined;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://playground');
    // Before the user is identified: a refused request neither gets a cookie nor queues anything.
    const refusal = policy ? refusalOf(req, policy) : 'starting';
    if (refusal) {
      log.debug({ reason: refusal, path: url.pathname }, 'playground: request refused');
      res.writeHead(403, {
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'no-store',
        ...CLOSES_CONNECTION,
      });
      res.end(`${t(headerLocale(req), 'web.forbidden')}\n`);
      return;
    }
    const user = identify(req, res, options.accessToken, () => t(headerLocale(req), 'web.token_required'));
    if (!user) return;
    if (req.method === 'GET' && serveAsset(url.pathname, res)) return;
    // The page speaks the language of its replies: the user's /settings choice, then the browser's.
    const locale = contextOf(req, user).locale;
    if (req.method === 'GET' && url.pathname === '/api/info') {
      const strings = {
        // The page's own strings, the duration words its countdown shares with the bot's replies, and the questions'
        // labels (`labelKey` of a message's ask), which an open answer form takes on when the language changes.
        ...Object.fromEntries(
          Object.entries(catalog(locale)).filter(
            ([k]) => k.startsWith('web.') || k.startsWith('time.duration.') || /^ask\.\w+\.label$/.test(k),
          ),
        ),
        // The server's refusals of an image, which the composer gives before uploading one beyond imageLimits.
        ...imageRefusals(locale, imageLimits),
        // The commands' refusal of a line longer than any they take, which an inline form gives before sending it.
        'errors.line_too_long': t(locale, 'errors.line_too_long', {
          length: '{length}',
          limit: MAX_PROMPT_CHARS,
        }),
      };
      json(res, 200, {
        locale,
        strings,
        imageLimits,
        maxLineChars: MAX_LINE_CHARS,
        bundledModel: options.bundledModel,
        device: options.device,
        // What the composer offers while a line is typed (`public/palette.js`).
        commands: listedCommands(commands.registry.specs, 'web').map((spec) => ({
          name: spec.name,
          description: t(locale, descriptionKey(spec.name)),
        })),
        flags: ALL_FLAGS.map((flag) => `--${flag}`),
      });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/api/size') {
      // A file's size as the server's refusals write it, for the composer to refuse a file too large to upload in
      // the server's words: only the page knows the size, and only the server writes sizes.
      const bytes = url.searchParams.get('bytes') ?? '';
      if (!/^\d{1,15}$/.test(bytes)) json(res, 400, { error: t(locale, 'web.bad_request') });
      else json(res, 200, { size: formatBytes(locale, Number(bytes)) });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/api/suggest') {
      // Discord's autocomplete, asked by the composer: the user's jobs for /cancel, their options for /prefer.
      const param = (name: string) => (url.searchParams.get(name) ?? '').slice(0, 200);
      const suggestions = commands.suggest(
        contextOf(req, user),
        param('command'),
        param('option'),
        param('typed'),
      );
      json(res, 200, { suggestions });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/api/history') {
      const ctx = contextOf(req, user);
      const before = Number(url.searchParams.get('before'));
      const page = await commands.history(ctx, {
        before: Number.isInteger(before) && before > 0 ? before : undefined,
        limit: 20,
      });
      json(res, 200, {
        entries: page.entries.map((e) => toWebHistoryEntry(e, ctx.locale)),
        before: page.before,
      });
      return;
    }
    const file = /^\/api\/files\/([0-9a-f-]{36})\/([a-z0-9_-]{1,40}\.(?:png|jpg|webp))$/.exec(url.pathname);
    if (req.method === 'GET' && file) {
      const found = commands.jobFile(contextOf(req, user), file[1] as string, file[2] as string);
      if (!found) {
        json(res, 404, { error: t(locale, 'web.not_found') });
        return;
      }
      const headers: Record<string, string> = {
        'content-type': found.mime,
        'cache-control': 'private, max-age=86400',
      };
      if (url.searchParams.has('download'))
        headers['content-disposition'] = `attachment; filename="${found.filename}"`;
      res.writeHead(200, headers);
      res.end(found.data);
      return;
    }
    if (req.method === 'GET' && url.pathname === '/api/events') {
      streams.open(user, req.headers['accept-language'], req, res);
      return;
    }
    if (req.method === 'POST' && url.pathname === '/api/messages') {
      const ctx = contextOf(req, user);
      let reply: Reply;
      try {
        reply = await route(commands, ctx, await readUpload(req, options.maxInputBytes));
      } catch (error) {
        if (error instanceof UploadAborted) {
          log.debug('playground: upload cut off by the client');
          return;
        }
        if (error instanceof MalformedUpload) {
          log.info({ reason: error.message }, 'playground: malformed upload');
          // Its parsing stopped where it broke, the rest unread: no further request can follow on the connection.
          json(res, 400, toWebMessage(textReply('web.bad_upload'), ctx.locale));
          return;
        }
        if (error instanceof UploadTooLarge) {
          // The rest of the body stays unread: the answer closes the connection (Node ends it once the answer is
          // out), which tells the client to stop sending. A body sent without a length has no size to name.
          const limitBytes = options.maxInputBytes;
          const refusal =
            error.announcedBytes === undefined
              ? textReply('errors.input.too_large_unsized', { limitBytes })
              : textReply('errors.input.too_large', { sizeBytes: error.announcedBytes, limitBytes });
          json(res, 413, toWebMessage(refusal, ctx.locale));
          return;
        }
        if (error instanceof FieldTooLong) {
          // The line is the whole message, whatever command it starts with; like an over-long line typed elsewhere
          // (`errors.line_too_long`) its refusal names the prompt's limit, the one a user can act on. Only its
          // first part arrived, so the refusal says "over" that many characters: the user sent more.
          reply = textReply('errors.prompt_too_long_cut', { length: error.length, limit: MAX_PROMPT_CHARS });
        } else throw error;
      }
      respond(res, ctx, reply);
      return;
    }
    if (req.method === 'POST' && url.pathname === '/api/actions') {
      const ctx = contextOf(req, user);
      if (!announcesJson(req)) {
        json(res, 415, toWebMessage(textReply('web.bad_request'), ctx.locale));
        return;
      }
      const body = await readJson(req).catch((error: unknown) => {
        if (error instanceof BadRequest) return error;
        throw error;
      });
      if (body instanceof BodyTooLarge) {
        // Only an answer makes a press this long: refused as an answer cut short (the upload's FieldTooLong), naming
        // the prompt's limit, and marked a refusal for its inline form. The rest is left unread, as an upload's is:
        // the answer closes the connection.
        const refusal = textReply('errors.prompt_too_long_cut', {
          length: MAX_LINE_CHARS,
          limit: MAX_PROMPT_CHARS,
        });
        json(res, 413, toWebMessage(refusal, ctx.locale));
        return;
      }
      if (body instanceof BadRequest) {
        json(res, 400, toWebMessage(textReply('web.bad_request'), ctx.locale));
        return;
      }
      const id = typeof body.id === 'string' ? body.id : '';
      const answer = typeof body.answer === 'string' ? body.answer : undefined;
      // The answer to an Edit, Remix or Custom zoom button's question comes back with that button's id.
      const button = parseButtonId(id);
      const asked = askKindOf(button?.action);
      const reply =
        answer !== undefined && button && asked
          ? await commands.answerAsk(ctx, asked, button.jobId, answer)
          : await commands.pressButton(ctx, id);
      respond(res, ctx, reply);
      // A /queue list answered while its cancelled job was stopping: the list once the job has ended, in its place
      // on the page that pressed (found there by the pressed button's id).
      void reply.nextInPlace
        ?.then((next) => {
          if (next)
            streams.send(user, (language) => ({
              ...toWebMessage(next, contextFor(user, language).locale),
              replaces: id,
            }));
        })
        // The list it would replace stays: it still offers Refresh.
        .catch((error: unknown) => log.warn({ err: error }, 'a /queue list could not be put in place'));
      // The user's other open pages show the result too: a Delete takes it off them as well.
      if (reply.deleteSource && reply.jobId) send(user, { text: [], deleteSource: true, jobId: reply.jobId });
      // A result made at once (a grid's image picked: stored finished, never queued) raises no job event: it goes to
      // every open page of the user here, as a queued job's result does with its last event.
      if (madeAtOnce(reply, button?.jobId)) send(user, reply);
      return;
    }
    json(res, 404, { error: t(locale, 'web.not_found') });
  };

  const server: Server = createServer((req, res) => {
    setSecurityHeaders(res);
    handle(req, res).catch((error: unknown) => {
      log.error({ err: error, path: req.url }, 'playground request failed');
      if (!res.headersSent)
        json(res, 500, { lines: [t(headerLocale(req), 'errors.generic')], images: [], buttons: [] });
      else res.end();
    });
  });
  limitConnections(server, limits);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  policy = hostPolicy(options.host, port);
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${host}:${port}/${options.accessToken ? '?token=<WEB_ACCESS_TOKEN>' : ''}`;
  return {
    url,
    async close() {
      unsubscribe();
      await streams.closeAll();
      // server.close waits for every open connection; a browser reconnecting its event stream (or any request
      // still being answered) would hold it forever, so the connections are closed as it starts, not after.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
