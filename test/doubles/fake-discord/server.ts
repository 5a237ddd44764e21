import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { FailurePlan } from '../shared/failures.js';
import { BodyTooLargeError, queryObject, readBody, sendJson } from '../shared/http.js';
import { isMultipart, parseMultipart, type UploadedFile } from '../shared/multipart.js';
import type { CallRecorder, Recorded } from '../shared/recorder.js';
import type { DiscordWorld } from './builders.js';
import type { RouteBuckets } from './ratelimits.js';
import { discordError, matchRoute, type RouteReply } from './routes.js';
import type { DiscordStore, JsonBody } from './store.js';
import type { DiscordLimits } from './validation.js';

/** One HTTP request the fake received (REST or CDN), after parsing, with the status it answered. */
export interface DiscordCall extends Recorded {
  method: string;
  /** Decoded path after `/api/v10` (`/webhooks/1/tok/messages/@original`), or the CDN path. */
  path: string;
  /** Template the path matched, e.g. `PATCH /webhooks/:app/:token/messages/:message`. */
  route: string;
  params: Record<string, string>;
  query: Record<string, string>;
  /** Parsed JSON body, or the parsed `payload_json` of a multipart request. */
  body: JsonBody;
  /** Uploaded files with their bytes (multipart requests only). */
  files: UploadedFile[];
  multipart: boolean;
  /** Whether an Authorization header came with it (the token itself is never recorded). */
  authorized: boolean;
  status: number;
}

export type DiscordFailure =
  | { kind: 'status'; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'reset' }
  /** Answered as usual, `ms` later (a slow CDN, a loaded Discord). */
  | { kind: 'delay'; ms: number }
  /**
   * Handled as usual, but the answer is lost on the way back (a 5xx from a proxy, a dropped connection): Discord
   * has done what was asked, the client does not know it and may retry.
   */
  | { kind: 'lost'; status: number };

const BODY_LIMIT = 64 * 1024 * 1024;
const API_PREFIX = /^\/api(?:\/v\d+)?(\/.*)$/;

export interface HttpDeps {
  world: DiscordWorld;
  store: DiscordStore;
  recorder: CallRecorder<DiscordCall>;
  failures: FailurePlan<DiscordCall, DiscordFailure>;
  gatewayUrl: () => string;
  limits: DiscordLimits;
  /** Pushes a gateway event (a thread a post unarchived). */
  dispatch: (event: string, data: unknown) => void;
  /** Per-route counters behind the X-RateLimit-* headers; absent, no route is limited. */
  buckets?: RouteBuckets;
}

export function createDiscordHttpServer(deps: HttpDeps): Server {
  return createServer((req, res) => {
    handle(req, res, deps).catch((error: unknown) => {
      sendJson(res, 500, { message: `fake-discord internal error: ${String(error)}`, code: 0 });
    });
  });
}

function decodeSegments(pathname: string): string[] {
  return pathname
    .split('/')
    .slice(1)
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    });
}

async function parseBody(
  req: IncomingMessage,
): Promise<{ body: JsonBody; files: UploadedFile[]; multipart: boolean }> {
  if (isMultipart(req)) {
    const { fields, files } = await parseMultipart(req, BODY_LIMIT);
    return { body: fields.payload_json ? JSON.parse(fields.payload_json) : fields, files, multipart: true };
  }
  const raw = await readBody(req, BODY_LIMIT);
  if (raw.length === 0) return { body: undefined, files: [], multipart: false };
  return { body: JSON.parse(raw.toString('utf8')), files: [], multipart: false };
}

async function handle(req: IncomingMessage, res: ServerResponse, deps: HttpDeps): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const method = (req.method ?? 'GET').toUpperCase();
  const api = API_PREFIX.exec(url.pathname);
  const segments = decodeSegments(api ? (api[1] ?? '/') : url.pathname);
  const path = `/${segments.join('/')}`;
  const isCdn = !api && method === 'GET' && segments[0] === 'attachments';
  const matched = api ? matchRoute(method, segments) : { route: `${method} ${path}`, params: {} };
  const call: DiscordCall = {
    seq: deps.recorder.nextSeq(),
    at: Date.now(),
    method,
    path,
    route: isCdn ? 'GET /attachments/:channel/:attachment/:filename' : matched.route,
    params: matched.params,
    query: queryObject(url),
    body: undefined,
    files: [],
    multipart: false,
    authorized: typeof req.headers.authorization === 'string',
    status: 0,
  };
  let reply: RouteReply;
  try {
    Object.assign(call, await parseBody(req));
    reply = await answer(call, deps, isCdn, 'handle' in matched ? matched.handle : undefined);
  } catch (error) {
    reply =
      error instanceof BodyTooLargeError
        ? discordError(413, 40005, 'Request entity too large')
        : discordError(400, 50109, 'The request body contains invalid JSON.');
  }
  call.status = reply.status;
  deps.recorder.record(call);
  if (reply.status === -1) {
    req.socket.destroy();
    return;
  }
  if (Buffer.isBuffer(reply.body)) {
    res.writeHead(reply.status, { 'content-length': reply.body.length, ...reply.headers }).end(reply.body);
    return;
  }
  sendJson(res, reply.status, reply.body, reply.headers);
}

async function answer(
  call: DiscordCall,
  deps: HttpDeps,
  isCdn: boolean,
  handler: ReturnType<typeof matchRoute>['handle'],
  mayFail = true,
): Promise<RouteReply> {
  let failure = mayFail ? deps.failures.take(call) : undefined;
  if (failure?.kind === 'delay') {
    const { ms } = failure;
    await new Promise((resolve) => setTimeout(resolve, ms));
    failure = undefined;
  }
  if (failure?.kind === 'reset') return { status: -1 };
  if (failure?.kind === 'lost') {
    await answer(call, deps, isCdn, handler, false);
    if (failure.status === -1) return { status: -1 };
    return discordError(failure.status, 0, 'fake-discord: the answer was lost');
  }
  if (failure) return { status: failure.status, body: failure.body, headers: failure.headers ?? {} };
  if (isCdn) {
    const file = deps.store.cdn.get(call.path);
    if (!file)
      return { status: 404, body: Buffer.from('Not Found'), headers: { 'content-type': 'text/plain' } };
    return { status: 200, body: file.bytes, headers: { 'content-type': file.contentType } };
  }
  if (!handler) return discordError(404, 0, '404: Not Found');
  // Counted before the handler: a call refused for its bucket does nothing.
  const limited = deps.buckets?.take(call.route, call.params);
  if (limited?.refused) return limited.refused;
  const reply = handler(
    { params: call.params, query: call.query, body: call.body, files: call.files },
    {
      world: deps.world,
      store: deps.store,
      gatewayUrl: deps.gatewayUrl(),
      limits: deps.limits,
      dispatch: deps.dispatch,
    },
  );
  return limited ? { ...reply, headers: { ...limited.headers, ...reply.headers } } : reply;
}
