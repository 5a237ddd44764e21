// The page's files: a fixed allowlist from URL path to a file in public/. A request path is only ever a key into
// this table, so nothing a client sends reaches the file system.
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';

const ASSETS: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/answer-form.js': { file: 'answer-form.js', type: 'text/javascript; charset=utf-8' },
  '/countdown.js': { file: 'countdown.js', type: 'text/javascript; charset=utf-8' },
  '/palette.js': { file: 'palette.js', type: 'text/javascript; charset=utf-8' },
  '/viewer.js': { file: 'viewer.js', type: 'text/javascript; charset=utf-8' },
  '/undo.js': { file: 'undo.js', type: 'text/javascript; charset=utf-8' },
  '/delete-guard.js': { file: 'delete-guard.js', type: 'text/javascript; charset=utf-8' },
  '/flag-text.js': { file: 'flag-text.js', type: 'text/javascript; charset=utf-8' },
  '/unread.js': { file: 'unread.js', type: 'text/javascript; charset=utf-8' },
  '/region.js': { file: 'region.js', type: 'text/javascript; charset=utf-8' },
  '/relocalize.js': { file: 'relocalize.js', type: 'text/javascript; charset=utf-8' },
  '/scroll.js': { file: 'scroll.js', type: 'text/javascript; charset=utf-8' },
  '/attachment.js': { file: 'attachment.js', type: 'text/javascript; charset=utf-8' },
  '/image-limits.js': { file: 'image-limits.js', type: 'text/javascript; charset=utf-8' },
  '/composer.js': { file: 'composer.js', type: 'text/javascript; charset=utf-8' },
  '/status.js': { file: 'status.js', type: 'text/javascript; charset=utf-8' },
  '/busy.js': { file: 'busy.js', type: 'text/javascript; charset=utf-8' },
  '/strings.js': { file: 'strings.js', type: 'text/javascript; charset=utf-8' },
  '/context-row.js': { file: 'context-row.js', type: 'text/javascript; charset=utf-8' },
  '/token-address.js': { file: 'token-address.js', type: 'text/javascript; charset=utf-8' },
  '/connection.js': { file: 'connection.js', type: 'text/javascript; charset=utf-8' },
  '/focus-rescue.js': { file: 'focus-rescue.js', type: 'text/javascript; charset=utf-8' },
  '/older.js': { file: 'older.js', type: 'text/javascript; charset=utf-8' },
  '/painting.js': { file: 'painting.js', type: 'text/javascript; charset=utf-8' },
  '/typed-dashes.js': { file: 'typed-dashes.js', type: 'text/javascript; charset=utf-8' },
  '/user-line.js': { file: 'user-line.js', type: 'text/javascript; charset=utf-8' },
  '/drafts.js': { file: 'drafts.js', type: 'text/javascript; charset=utf-8' },
  '/catch-up.js': { file: 'catch-up.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
  '/mask.css': { file: 'mask.css', type: 'text/css; charset=utf-8' },
  '/small-screens.css': { file: 'small-screens.css', type: 'text/css; charset=utf-8' },
  '/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
  '/favicon.ico': { file: 'favicon.svg', type: 'image/svg+xml' },
};
const publicDir = new URL('./public/', import.meta.url);

/** Answers with the allowlisted asset at `pathname` and returns true, or returns false (not an asset). */
export function serveAsset(pathname: string, res: ServerResponse): boolean {
  const asset = Object.hasOwn(ASSETS, pathname) ? ASSETS[pathname] : undefined;
  if (!asset) return false;
  res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-cache' });
  res.end(readFileSync(new URL(asset.file, publicDir)));
  return true;
}
