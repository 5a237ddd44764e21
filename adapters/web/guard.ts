// Which requests the playground answers at all. Any page the user has open elsewhere can send requests here:
// no-cors POSTs whose answers it never reads but whose effects happen (CSRF), and, once its own name resolves to
// this machine (DNS rebinding), same-origin requests whose answers it reads. `Host` says which name the browser
// thinks it is talking to; `Origin` and `Sec-Fetch-Site` say which page sent a request.
import type { IncomingMessage } from 'node:http';

export interface HostPolicy {
  /** The names a Host header may carry (lowercase, IPv6 in brackets), or 'any'. */
  names: ReadonlySet<string> | 'any';
  port: number;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const HOST_HEADER = /^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::(\d{1,5}))?$/i;

/**
 * The Host names a server bound to `host` answers to. A wildcard bind is reached by names this process cannot
 * know (the machine's addresses, a port mapped by a container, a proxy's name), so every name passes there: such
 * a server always requires the access token, and a rebound page cannot present it (its cookie belongs to the
 * real name, and the token is in no URL the attacker knows).
 */
export function hostPolicy(host: string, port: number): HostPolicy {
  const bound = host.toLowerCase();
  if (WILDCARDS.has(bound)) return { names: 'any', port };
  const named = bound.includes(':') && !bound.startsWith('[') ? `[${bound}]` : bound;
  return { names: new Set([...LOOPBACK_NAMES, named]), port };
}

function hostAllowed(header: string | undefined, policy: HostPolicy): boolean {
  const match = HOST_HEADER.exec(header ?? '');
  if (!match) return false;
  if (policy.names === 'any') return true;
  // A fully qualified name may end in a dot ("localhost.:8080"); it is the same name.
  const name = (match[1] as string).toLowerCase().replace(/\.$/, '');
  const port = match[2] === undefined ? 80 : Number(match[2]);
  return policy.names.has(name) && port === policy.port;
}

/**
 * Why this request is refused, or undefined to answer it. Requests that change nothing (GET, HEAD) are only held
 * to the Host check: a cross-site page cannot read their answers, and a link from elsewhere must still open the
 * page.
 */
export function refusalOf(req: IncomingMessage, policy: HostPolicy): string | undefined {
  const host = req.headers.host;
  if (!hostAllowed(host, policy)) return 'host';
  if (SAFE_METHODS.has(req.method ?? 'GET')) return undefined;
  const origin = req.headers.origin?.toLowerCase();
  // The page is served over http; a TLS proxy in front of it makes the same name https (an "Origin: null" from
  // a sandboxed frame or a file matches neither).
  const own = (host as string).toLowerCase();
  if (origin !== undefined && origin !== `http://${own}` && origin !== `https://${own}`) return 'origin';
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return 'site';
  return undefined;
}

/**
 * A JSON body announced as such. A cross-site page may send text/plain without asking first, but never
 * application/json, so this also keeps browsers that send no Origin from pressing buttons.
 */
export function announcesJson(req: IncomingMessage): boolean {
  const type = (req.headers['content-type'] ?? '').split(';', 1)[0]?.trim().toLowerCase();
  return type === 'application/json';
}
