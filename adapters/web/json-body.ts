// A button press's small JSON body.
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';

/** The body is not a JSON object, or the client went away before sending all of it. */
export class BadRequest extends Error {}

/** The body went over its limit: refused there, the rest left unread (the caller answers and closes). */
export class BodyTooLarge extends BadRequest {}

/**
 * Anything over `limit` bytes is a BodyTooLarge, refused as soon as it passes the limit, or before a byte is read
 * when its Content-Length says it will.
 */
export function readJson(
  req: Readable & { headers?: IncomingHttpHeaders },
  limit = 16_384,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers?.['content-length'] ?? 0) > limit) {
      reject(new BodyTooLarge());
      return;
    }
    // Bytes, decoded once at the end: a character may be split between two chunks.
    const chunks: Buffer[] = [];
    let size = 0;
    let ended = false;
    const take = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      reject(new BodyTooLarge());
      req.off('data', take);
      req.pause();
    };
    req.on('data', take);
    req.on('end', () => {
      ended = true;
      try {
        const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
        if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BadRequest();
        resolve(value as Record<string, unknown>);
      } catch {
        reject(new BadRequest());
      }
    });
    // A client that goes away mid-body never sends 'end'; without these the press would wait forever.
    req.on('error', () => reject(new BadRequest()));
    req.on('close', () => {
      if (!ended) reject(new BadRequest());
    });
  });
}
