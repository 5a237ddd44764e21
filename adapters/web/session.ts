// Who is on the other side of the playground: a random id in a cookie (platform 'web'), and, when the server is
// reachable beyond this machine, an access token checked on every request.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sameSecret } from '../shared/same-secret.js';

const COOKIE_USER = 'dimoo_uid';
const COOKIE_TOKEN = 'dimoo_token';
const USER_ID = /^[0-9a-f-]{36}$/;

/**
 * The header that ends a connection with its answer, sent with every refusal and every failure (a 500 too): the
 * request's body, if any, may stay unread (an upload refused before it is read need not be sent to its end, and what
 * is left of it is never read as a next request), and a client refused for its token or its site has no business
 * keeping one open.
 */
export const CLOSES_CONNECTION: Readonly<Record<string, string>> = { connection: 'close' };

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

function cookies(req: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (!k) continue;
    // The jar is shared with every other app on localhost; one's undecodable value ("100%") is not ours to refuse.
    try {
      out.set(k, decodeURIComponent(v.join('=')));
    } catch {}
  }
  return out;
}

/**
 * The user id for this request (set as a cookie on first visit). Returns undefined after answering 401 (with
 * `tokenRequired`'s text) when an access token is required and missing or wrong; `?token=` sets the token cookie once.
 */
export function identify(
  req: IncomingMessage,
  res: ServerResponse,
  accessToken: string | undefined,
  tokenRequired: () => string,
): string | undefined {
  const jar = cookies(req);
  const set: string[] = [];
  if (accessToken !== undefined) {
    const fromQuery = new URL(req.url ?? '/', 'http://x').searchParams.get('token');
    const given =
      fromQuery ?? jar.get(COOKIE_TOKEN) ?? (req.headers.authorization ?? '').replace(/^Bearer /, '');
    // An empty one is compared too: every request that must show the token takes the same path.
    if (!sameSecret(given, accessToken)) {
      res.writeHead(401, {
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'no-store',
        ...CLOSES_CONNECTION,
      });
      res.end(`${tokenRequired()}\n`);
      return undefined;
    }
    if (fromQuery)
      set.push(`${COOKIE_TOKEN}=${encodeURIComponent(fromQuery)}; HttpOnly; SameSite=Strict; Path=/`);
  }
  let user = jar.get(COOKIE_USER);
  if (!user || !USER_ID.test(user)) {
    user = randomUUID();
    // Lax: a link from another site must still bring the id, or the visit would start a new user (history gone).
    // Cross-site POSTs are refused by the request guard instead.
    set.push(`${COOKIE_USER}=${user}; HttpOnly; SameSite=Lax; Path=/; Max-Age=31536000`);
  }
  if (set.length > 0) res.setHeader('set-cookie', set);
  return user;
}
