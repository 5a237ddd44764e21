// A button press's JSON body: its id, and the answer to its question (Remix's line, Custom zoom's, Vary (Region)'s).
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { MAX_LINE_CHARS } from '../../commands/index.js';
import { BodyTooLarge as OverLimit, readBody } from '../shared/http-body.js';

/** The most bytes one character takes in a JSON string: a control character (`\u001f`) or a lone surrogate escaped. */
const JSON_CHAR_BYTES = 6;
/** A button's id (at most 100 characters, Discord's limit, all ASCII) and the object's own braces, quotes and keys. */
const ID_ROOM_BYTES = 128;

/**
 * The largest press read: one whose answer is as long as any line the commands take (MAX_LINE_CHARS characters),
 * each written as long as JSON can write it, so that the commands' own check refuses a long answer in its words.
 * A body past this holds an answer of more than MAX_LINE_CHARS characters (or is no press of the page's).
 */
export const ACTION_BODY_BYTES = MAX_LINE_CHARS * JSON_CHAR_BYTES + ID_ROOM_BYTES;

/** The body is not a JSON object, or the client went away before sending all of it. */
export class BadRequest extends Error {}

/** The body went over its limit: refused there, the rest left unread (the caller answers and closes). */
export class BodyTooLarge extends BadRequest {}

/** Anything over `limit` bytes is a BodyTooLarge, refused as the shared reader refuses it (`readBody`). */
export async function readJson(
  req: Readable & { headers?: IncomingHttpHeaders },
  limit = ACTION_BODY_BYTES,
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
