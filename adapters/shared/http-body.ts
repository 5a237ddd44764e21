// A request body read whole within a hard limit, for the adapters' own HTTP servers (the playground's button presses
// and uploads, Telegram's webhook). Over the limit it is refused where it passes it, the rest left unread: reading a
// body to its end first (a chunked one announces no size) lets a client make the bot read as much as it likes. The
// caller answers and closes the connection (`connection: close`), which is what stops the client sending.
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';

/** The body went over its limit: refused there, the rest left unread. */
export class BodyTooLarge extends Error {}

/** The client went away before the body was complete: no one is left to answer. */
export class BodyCut extends Error {}

/** The Content-Length a request announced, or undefined when it sent none (a chunked body) or a broken one. */
export function announcedLength(headers: IncomingHttpHeaders | undefined): number | undefined {
  const header = headers?.['content-length'];
  return header !== undefined && /^\d+$/.test(header) ? Number(header) : undefined;
}

/**
 * The whole body, or BodyTooLarge as soon as it passes `limit` bytes (before a byte is read when its Content-Length
 * says it will), or BodyCut when the client goes away first (it never sends 'end': without this the read would wait
 * forever).
 */
export function readBody(req: Readable & { headers?: IncomingHttpHeaders }, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if ((announcedLength(req.headers) ?? 0) > limit) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let ended = false;
    const take = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      req.off('data', take);
      req.pause();
      reject(new BodyTooLarge());
    };
    req.on('data', take);
    req.on('end', () => {
      ended = true;
      resolve(Buffer.concat(chunks));
    });
    req.on('error', () => reject(new BodyCut()));
    req.on('close', () => {
      if (!ended) reject(new BodyCut());
    });
  });
}
