import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { FailurePlan } from '../shared/failures.js';
import { BodyTooLargeError, queryObject, readBody, sendJson } from '../shared/http.js';
import { isMultipart, parseMultipart, type UploadedFile } from '../shared/multipart.js';
import type { CallRecorder, Recorded } from '../shared/recorder.js';
import type { StoredFile } from './files.js';
import { type ApiResult, findMethod, type Params } from './methods.js';
import type { TelegramState } from './state.js';

/** A file that came with a call, and the parameter it was given for (`photo`, `document`, `media`). */
export interface TelegramUpload extends UploadedFile {
  param: string;
}

/** One request to the fake: a Bot API method call, or a file download (`method: 'downloadFile'`). */
export interface TelegramCall extends Recorded {
  method: string;
  params: Params;
  files: TelegramUpload[];
  multipart: boolean;
  /** False when the URL carried another token than the fake's (the token itself is never recorded). */
  tokenOk: boolean;
  status: number;
  /** The `description` of an error answer. */
  error?: string;
  /** The `result` of a successful answer (the sent message, with its message_id). */
  result?: unknown;
}

export type TelegramFailure =
  | { kind: 'answer'; status: number; body: ApiResult }
  | { kind: 'network' }
  | { kind: 'delay'; ms: number }
  /** The call is done and recorded at once (a message is sent), its answer reaches the bot only after `ms`. */
  | { kind: 'late'; ms: number };

const BODY_LIMIT = 64 * 1024 * 1024;
/** Parameters whose values are plain strings even when they look like JSON numbers. */
const TEXT_PARAMS = new Set([
  'text',
  'caption',
  'action',
  'callback_query_id',
  'file_id',
  'url',
  'secret_token',
  'language_code',
  'parse_mode',
  'inline_message_id',
  'photo',
  'document',
]);

export interface TelegramServerDeps {
  token: string;
  state: TelegramState;
  recorder: CallRecorder<TelegramCall>;
  failures: FailurePlan<TelegramCall, TelegramFailure>;
}

export function createTelegramServer(deps: TelegramServerDeps): Server {
  return createServer((req, res) => {
    handle(req, res, deps).catch((error: unknown) => {
      sendJson(res, 500, {
        ok: false,
        error_code: 500,
        description: `fake-telegram internal error: ${String(error)}`,
      });
    });
  });
}

function normalizeField(name: string, value: string): unknown {
  if (TEXT_PARAMS.has(name)) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

async function parseParams(
  req: IncomingMessage,
  url: URL,
): Promise<{ params: Params; uploads: UploadedFile[]; multipart: boolean }> {
  const query: Params = Object.fromEntries(
    Object.entries(queryObject(url)).map(([k, v]) => [k, normalizeField(k, v)]),
  );
  if (isMultipart(req)) {
    const { fields, files } = await parseMultipart(req, BODY_LIMIT);
    const params: Params = { ...query };
    for (const [name, value] of Object.entries(fields)) params[name] = normalizeField(name, value);
    return { params, uploads: files, multipart: true };
  }
  const raw = await readBody(req, BODY_LIMIT);
  const type = req.headers['content-type'] ?? '';
  if (raw.length === 0) return { params: query, uploads: [], multipart: false };
  if (type.includes('application/x-www-form-urlencoded')) {
    const form = Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
    return {
      params: {
        ...query,
        ...Object.fromEntries(Object.entries(form).map(([k, v]) => [k, normalizeField(k, v)])),
      },
      uploads: [],
      multipart: false,
    };
  }
  return { params: { ...query, ...JSON.parse(raw.toString('utf8')) }, uploads: [], multipart: false };
}

/** Finds which parameter each uploaded part belongs to: `attach://<field>` anywhere in params, or the field name. */
function attachParams(params: Params, uploads: UploadedFile[]): TelegramUpload[] {
  const owners = new Map<string, string>();
  const walk = (value: unknown, path: string) => {
    if (typeof value === 'string' && value.startsWith('attach://')) owners.set(value.slice(9), path);
    else if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) walk(item, `${path}[${index}]`);
    } else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) walk(inner, path ? `${path}.${key}` : key);
    }
  };
  walk(params, '');
  return uploads.map((upload) => ({ ...upload, param: owners.get(upload.field) ?? upload.field }));
}

async function handle(req: IncomingMessage, res: ServerResponse, deps: TelegramServerDeps): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const download = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
  const api = /^\/bot([^/]+)\/(?:test\/)?([A-Za-z]+)$/.exec(url.pathname);
  const call: TelegramCall = {
    seq: deps.recorder.nextSeq(),
    at: Date.now(),
    method: download ? 'downloadFile' : (api?.[2] ?? `HTTP ${req.method} ${url.pathname}`),
    params: download ? { file_path: decodeURIComponent(download[2] ?? '') } : {},
    files: [],
    multipart: false,
    tokenOk: (download?.[1] ?? api?.[1]) === deps.token,
    status: 0,
  };
  let uploads: UploadedFile[] = [];
  let answer: { status: number; body: ApiResult | Buffer; lateMs?: number } | 'network';
  try {
    if (api) {
      const parsed = await parseParams(req, url);
      call.params = parsed.params;
      call.multipart = parsed.multipart;
      uploads = parsed.uploads;
      call.files = attachParams(parsed.params, uploads);
    }
    answer = await respond(call, deps, uploads, res, Boolean(download), Boolean(api));
  } catch (error) {
    const description =
      error instanceof BodyTooLargeError
        ? 'Request Entity Too Large'
        : "Bad Request: can't parse request body";
    answer = { status: 400, body: { ok: false, error_code: 400, description } };
  }
  if (answer === 'network') {
    call.status = -1;
    deps.recorder.record(call);
    req.socket.destroy();
    return;
  }
  call.status = answer.status;
  if (!Buffer.isBuffer(answer.body) && !answer.body.ok) call.error = answer.body.description;
  if (!Buffer.isBuffer(answer.body) && answer.body.ok) call.result = answer.body.result;
  deps.recorder.record(call);
  if (answer.lateMs !== undefined) await new Promise((resolve) => setTimeout(resolve, answer.lateMs));
  if (Buffer.isBuffer(answer.body)) {
    if (!res.destroyed) res.writeHead(200, { 'content-length': answer.body.length }).end(answer.body);
    return;
  }
  sendJson(res, answer.status, answer.body);
}

async function respond(
  call: TelegramCall,
  deps: TelegramServerDeps,
  uploads: UploadedFile[],
  res: ServerResponse,
  isDownload: boolean,
  isApi: boolean,
): Promise<{ status: number; body: ApiResult | Buffer; lateMs?: number } | 'network'> {
  if (!call.tokenOk)
    return { status: 401, body: { ok: false, error_code: 401, description: 'Unauthorized' } };
  const failure = deps.failures.take(call);
  if (failure?.kind === 'network') return 'network';
  if (failure?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, failure.ms));
  else if (failure?.kind === 'late')
    return { ...(await perform(call, deps, uploads, res, isDownload, isApi)), lateMs: failure.ms };
  else if (failure) return { status: failure.status, body: failure.body };
  return perform(call, deps, uploads, res, isDownload, isApi);
}

/** The call as Telegram does it, once no failure was armed for it. */
async function perform(
  call: TelegramCall,
  deps: TelegramServerDeps,
  uploads: UploadedFile[],
  res: ServerResponse,
  isDownload: boolean,
  isApi: boolean,
): Promise<{ status: number; body: ApiResult | Buffer }> {
  const notFound = { status: 404, body: { ok: false as const, error_code: 404, description: 'Not Found' } };
  if (isDownload) {
    const file = deps.state.files.byPath.get(String(call.params.file_path));
    return file ? { status: 200, body: file.bytes } : notFound;
  }
  const method = isApi ? findMethod(call.method) : undefined;
  if (!method) return notFound;
  const moved = movedChat(deps.state, call.params.chat_id);
  if (moved) return { status: 400, body: moved };
  const removed = deps.state.removedFrom.get(Number(call.params.chat_id));
  if (call.params.chat_id !== undefined && removed !== undefined)
    return { status: 403, body: { ok: false, error_code: 403, description: removed } };
  const stored = new Map<string, StoredFile>();
  const input = (name: string, value: unknown): StoredFile | undefined => {
    const field = typeof value === 'string' && value.startsWith('attach://') ? value.slice(9) : name;
    const upload = uploads.find((candidate) => candidate.field === field);
    if (upload) {
      const file =
        stored.get(upload.field) ??
        deps.state.files.register(upload.bytes, name === 'document' ? { filename: upload.filename } : {});
      stored.set(upload.field, file);
      return file;
    }
    return typeof value === 'string' ? deps.state.files.get(value) : undefined;
  };
  const result = await method({
    state: deps.state,
    params: call.params,
    input,
    onClose: (cancel) => res.on('close', cancel),
  });
  return { status: result.ok ? 200 : result.error_code, body: result };
}

/**
 * Any call naming a group that was upgraded to a supergroup: Telegram's 400, with the new id in
 * `parameters.migrate_to_chat_id`.
 */
function movedChat(state: TelegramState, chatId: unknown): ApiResult | undefined {
  const to = state.migrated.get(Number(chatId));
  if (chatId === undefined || to === undefined) return undefined;
  return {
    ok: false,
    error_code: 400,
    description: 'Bad Request: group chat was upgraded to a supergroup chat',
    parameters: { migrate_to_chat_id: to },
  };
}
