// A button press's small JSON body.
import type { Readable } from 'node:stream';

/** The body is not a JSON object, is over its limit, or the client went away before sending all of it. */
export class BadRequest extends Error {}

/** Anything over `limit` bytes is a BadRequest (the rest of the body is read and discarded). */
export function readJson(req: Readable, limit = 16_384): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    // Bytes, decoded once at the end: a character may be split between two chunks.
    const chunks: Buffer[] = [];
    let size = 0;
    let ended = false;
    req.on('data', (chunk: Buffer) => {
      if (size > limit) return;
      size += chunk.length;
      if (size > limit) reject(new BadRequest());
      else chunks.push(chunk);
    });
    req.on('end', () => {
      ended = true;
      if (size > limit) return;
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
