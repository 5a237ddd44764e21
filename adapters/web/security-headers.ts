// Headers on every playground answer. The page runs only its own scripts and styles and talks only to its own
// server; a user's picture is shown from a blob: URL before it is sent, a job's previews arrive as data: URLs. Another site's page may not frame it (a
// click on a framed Delete or Send would be the user's own); a browser may not read a JSON or image answer as
// something else (nosniff); and no Referer carries the page's address, which holds `?token=` off loopback.
import type { ServerResponse } from 'node:http';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' blob: data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** Set before anything is written: `writeHead` keeps them beside its own. */
export function setSecurityHeaders(res: ServerResponse): void {
  for (const [name, value] of Object.entries(HEADERS)) res.setHeader(name, value);
}
