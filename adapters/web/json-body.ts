// A button press's small JSON body.
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { BodyTooLarge as OverLimit, readBody } from '../shared/http-body.js';

/** The body is not a JSON object, or the client went away before sending all of it. */
export class BadRequest extends Error {}

/** The body went over its limit: refused there, the rest left unread (the caller answers and closes). */
export class BodyTooLarge extends BadRequest {}

/** Anything over `limit` bytes is a BodyTooLarge, refused as the shared reader refuses it (`readBody`). */
export async function readJson(
  req: Readable & { headers?: IncomingHttpHeaders },
  limit = 16_384,
): Promise<Record<string, unknown>> {
  // Bytes, decoded once at the end: a character may be split between two chunks.
  const bytes = await readBody(req, limit).catch((error: unknown) => {
    throw error instanceof OverLimit ? new BodyTooLarge() : new BadRequest();
  });
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8') || '{}');
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // Not JSON: refused below, as a value that is not an object is.
  }
  throw new BadRequest();
}
