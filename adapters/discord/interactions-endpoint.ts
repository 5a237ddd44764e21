// HTTP interactions mode: with an Interactions Endpoint URL set in the Developer Portal, Discord POSTs interactions
// to it instead of sending them over the gateway (the two are exclusive). Each request is verified (Ed25519 over
// timestamp + body, with the application's public key); a PING gets its PONG; every other interaction is answered
// 202 at once and handed on, and the bot then responds through the callback endpoint as it does for gateway
// interactions (Discord: "respond to the original HTTP request with a 202 and no body"). It listens from the
// adapter's start on, before the login: a PING is answered at once, and every other interaction 503 "starting" (as
// the port's reservation answered it) until `open()`.
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from 'discord.js';
import type { Locale } from '../../src/i18n.js';
import { answerStarting } from '../../src/ops/port-reservations.js';
import { BodyCut, BodyTooLarge, PLATFORM_BODY_LIMIT_BYTES, readBody } from '../shared/http-body.js';
import { type ConnectionLimits, limitConnections, withDefaults } from '../shared/http-timeouts.js';

/** DER prefix of an Ed25519 SubjectPublicKeyInfo; the 32 raw key bytes follow it. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
/** Requests signed longer ago than this are replays or a badly wrong clock: refused. */
const MAX_SKEW_S = 300;
/** A wrong host clock refuses every request, each alike: it is told once in this long, not once a request. */
const SKEW_WARN_EVERY_MS = 10 * 60_000;
/** Every answer is given at once (Discord's 3 s rule): a connection silent this long has no request coming. */
const IDLE_MS = 30_000;
/**
 * Connections open at once. Discord documents no number: it posts one request per interaction, each answered at once
 * (202), so the connections in use are the interactions of about one round trip; past the cap the oldest idle goes.
 */
export const INTERACTIONS_MAX_CONNECTIONS = 256;
export const INTERACTIONS_PATH = '/interactions';
const INVALID_SIGNATURE = { message: 'invalid request signature' };

export function publicKeyFromHex(hex: string): KeyObject {
  return createPublicKey({
    key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(hex, 'hex')]),
    format: 'der',
    type: 'spki',
  });
}

/** Signature headers of the right form (a signature's length, a timestamp in seconds), their age not judged. */
function wellFormed(signature: string | undefined, timestamp: string | undefined): boolean {
  return !!signature && !!timestamp && /^[0-9a-f]{128}$/i.test(signature) && /^\d{1,12}$/.test(timestamp);
}

/** How far this host's clock is ahead of a request's timestamp, in whole seconds (negative: behind). */
function skewS(timestamp: string, nowS: number): number {
  return Math.round(nowS - Number(timestamp));
}

/**
 * Whether the signature headers could be Discord's (a signature's length, a recent timestamp): judged before the body
 * is read, so that a request without them makes the bot read none of it.
 */
export function plausiblySigned(
  signature: string | undefined,
  timestamp: string | undefined,
  nowS = Date.now() / 1000,
): boolean {
  if (!wellFormed(signature, timestamp)) return false;
  return Math.abs(nowS - Number(timestamp)) <= MAX_SKEW_S;
}

/** Discord's request signature check: `X-Signature-Ed25519` over `X-Signature-Timestamp` + the raw body. */
export function verifyInteraction(
  key: KeyObject,
  signature: string | undefined,
  timestamp: string | undefined,
  body: Buffer,
  nowS = Date.now() / 1000,
): boolean {
  if (!signature || !timestamp || !plausiblySigned(signature, timestamp, nowS)) return false;
  return verify(null, Buffer.concat([Buffer.from(timestamp), body]), key, Buffer.from(signature, 'hex'));
}

export interface InteractionsEndpointOptions {
  /** The application's public key (hex), from the Developer Portal's General Information. */
  publicKey: string;
  host: string;
  port: number;
  /** The language of the 503 "starting" answer when a request asks for none. */
  defaultLocale: Locale;
  /** A verified interaction other than PING, once the endpoint is open; called after the 202 is sent. */
  onInteraction: (payload: Record<string, unknown>) => void;
  onError?: (error: unknown) => void;
  /** A warning for the operator (the bot's `log.warn`): nothing secret and no body is given to it. */
  warn?: (fields: Record<string, unknown>, message: string) => void;
  /** Tests shorten these; default `IDLE_MS` and the shared header and request limits. */
  limits?: Partial<ConnectionLimits>;
}

export interface InteractionsEndpoint {
  /** `http://host:port/interactions`; put the public https:// URL of the proxy in front of it into the portal. */
  url: string;
  /** Interactions are handed on from now on (the client is logged in). */
  open(): void;
  close(): Promise<void>;
}

/** `close` for an answer that leaves the body unread: the connection closes with it, so no more of it comes. */
function answer(response: ServerResponse, status: number, body?: unknown, close = false): void {
  const closing = close ? { connection: 'close' } : {};
  if (body === undefined) {
    response.writeHead(status, closing).end();
    return;
  }
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...closing,
  });
  response.end(text);
}

export async function startInteractionsEndpoint(
  options: InteractionsEndpointOptions,
): Promise<InteractionsEndpoint> {
  const key = publicKeyFromHex(options.publicKey);
  let open = false;
  let skewWarnedAt = Number.NEGATIVE_INFINITY;
  // Signature headers of the right form but out of the window are what a host clock more than MAX_SKEW_S off makes
  // of every one of Discord's requests, its PING included: the portal cannot save the URL, and nothing else says why.
  // They are checked before the signature, so a replayed request or a scanner's old headers look the same: the line
  // names both causes.
  const warnIfSkewed = (signature: string, timestamp: string) => {
    const now = Date.now();
    if (!options.warn || !wellFormed(signature, timestamp) || now - skewWarnedAt < SKEW_WARN_EVERY_MS) return;
    skewWarnedAt = now;
    const skew = skewS(timestamp, now / 1000);
    options.warn(
      { skewS: skew, maxSkewS: MAX_SKEW_S },
      `discord interaction refused: its signed timestamp is ${skew} s off this host's clock (over ${MAX_SKEW_S} s): the host clock is wrong (check NTP) or the request is a replay`,
    );
  };
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', 'http://endpoint').pathname;
    // Both leave a body unread: the connection closes with the answer.
    if (path !== INTERACTIONS_PATH) return answer(response, 404, { message: 'not found' }, true);
    if (request.method !== 'POST') return answer(response, 405, { message: 'POST only' }, true);
    const signature = String(request.headers['x-signature-ed25519'] ?? '');
    const timestamp = String(request.headers['x-signature-timestamp'] ?? '');
    // Discord probes the endpoint with bad signatures when it is saved and expects them refused. One that cannot be
    // right is refused before its body is read, and the connection closed, so no more of it comes.
    if (!plausiblySigned(signature, timestamp)) {
      warnIfSkewed(signature, timestamp);
      return answer(response, 401, INVALID_SIGNATURE, true);
    }
    let body: Buffer;
    try {
      body = await readBody(request, PLATFORM_BODY_LIMIT_BYTES);
    } catch (error) {
      if (error instanceof BodyTooLarge) return answer(response, 413, { message: 'body too large' }, true);
      // The client went away mid-body: no one is left to answer.
      if (error instanceof BodyCut) return;
      throw error;
    }
    if (!verifyInteraction(key, signature, timestamp, body)) return answer(response, 401, INVALID_SIGNATURE);
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      return answer(response, 400, { message: 'body is not JSON' });
    }
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) {
      return answer(response, 400, { message: 'body is not an interaction' });
    }
    const interaction = payload as Record<string, unknown>;
    if (interaction.type === 1) return answer(response, 200, { type: 1 });
    if (!open) return answerStarting(request, response, options.defaultLocale);
    answer(response, 202);
    options.onInteraction(interaction);
  };
  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      options.onError?.(error);
      if (!response.headersSent) answer(response, 500, { message: 'internal error' });
    });
  });
  limitConnections(
    server,
    withDefaults(options.limits, { idleMs: IDLE_MS, maxConnections: INTERACTIONS_MAX_CONNECTIONS }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}${INTERACTIONS_PATH}`,
    open: () => {
      open = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * discord.js has no public entry for interactions that arrive over HTTP. Its gateway handler for INTERACTION_CREATE
 * is exactly `client.actions.InteractionCreate.handle(data)`; this is that call, checked at start-up.
 */
type InteractionAction = { handle(data: unknown): void };
export function interactionAction(client: Client): InteractionAction {
  const actions: unknown = Reflect.get(client, 'actions');
  const action: unknown =
    typeof actions === 'object' && actions !== null ? Reflect.get(actions, 'InteractionCreate') : undefined;
  if (!isInteractionAction(action)) {
    throw new Error(
      'this discord.js version has no InteractionCreate action: HTTP interactions cannot be used',
    );
  }
  return action;
}

function isInteractionAction(value: unknown): value is InteractionAction {
  return typeof value === 'object' && value !== null && typeof Reflect.get(value, 'handle') === 'function';
}
