// A request body read whole within a hard limit, for the adapters' own HTTP servers (the playground's button presses
// and uploads, Telegram's webhook). Over the limit it is refused where it passes it, the rest left unread: reading a
// body to its end first (a chunked one announces no size) lets a client make the bot read as much as it likes. The
// caller answers and closes the connection (`connection: close`), which is what stops the client sending.
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';

/**
 * The largest body Telegram's webhook and Discord's interactions endpoint read. Both platforms send JSON, never file
 * bytes (a photo or attachment comes as an id or URL). A Telegram update's largest parts are a message's text (4096
 * characters) with its entities and the message it replies to, each as long; a Discord interaction's, a modal's five
 * text inputs (4000 characters each) or a message command's target (4000 characters and 6000 of embeds), with the
 * users, members and attachment URLs it resolves. Written with every character as a `\u` escape (6 bytes; an emoji
 * 12) and an entity on every character, the largest is a few hundred KB; 1 MiB leaves the platforms room to add
 * fields, and a body past it is not theirs.
 */
export const PLATFORM_BODY_LIMIT_BYTES = 1024 * 1024;

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
