// multipart/form-data with hard limits: a few named files and text fields, nothing written to disk.
import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';
import { announcedLength } from '../shared/http-body.js';

export interface Upload {
  fields: Record<string, string>;
  files: Record<string, { data: Uint8Array; filename: string }>;
}

/**
 * A file went over the limit, or the body over what its fields and files could hold: refused as soon as that was
 * known, with the rest of the body unread. `announcedBytes` is the body's Content-Length (the file's size, near
 * enough), or undefined for a body sent without one (chunked), whose size no one knows yet.
 */
export class UploadTooLarge extends Error {
  constructor(readonly announcedBytes: number | undefined) {
    super(`upload over the limit (${announcedBytes ?? 'unknown'} bytes announced)`);
  }
}

/** The body is not multipart/form-data as announced (no boundary, cut short, broken parts): a 400, not a 500. */
export class MalformedUpload extends Error {}

/** The client went away before the body was complete: there is no one left to answer. */
export class UploadAborted extends MalformedUpload {}

/**
 * A text field went over its limit. busboy hands on the first part of it, and running a line cut short runs
 * something the user did not ask for (the flags at its end lost). `length` is what arrived, a lower bound.
 */
export class FieldTooLong extends Error {
  constructor(
    readonly field: string,
    readonly length: number,
  ) {
    super(`field ${field} over the limit (${length} characters kept)`);
  }
}

const FILE_FIELDS = new Set(['image', 'mask', 'reference']);
const MAX_FIELDS = 8;
/** busboy counts a field's size in bytes. */
const MAX_FIELD_BYTES = 16_384;
/** A part's boundary line and headers, at most (busboy refuses a part's headers beyond 16 KiB). */
const PART_FRAMING_BYTES = 16 * 1024 + 256;

/** The largest body a valid upload can be: every file at the limit, every field full, and each part's framing. */
export function maxUploadBytes(maxFileBytes: number): number {
  const parts = FILE_FIELDS.size + MAX_FIELDS;
  return FILE_FIELDS.size * maxFileBytes + MAX_FIELDS * MAX_FIELD_BYTES + parts * PART_FRAMING_BYTES;
}

/**
 * Reads the fields and files of a multipart body. Over the limit it stops reading at once and rejects with
 * `UploadTooLarge`, leaving the rest of the body unread for the caller to refuse (and close the connection on): a
 * body that announced more than any valid upload before a byte of it is read, a file as soon as it passes
 * `maxFileBytes`, any body once past the largest valid one (parts busboy skips are read all the same).
 */
export function readUpload(req: IncomingMessage, maxFileBytes: number): Promise<Upload> {
  return new Promise((resolve, reject) => {
    const announced = announcedLength(req.headers);
    const maxBody = maxUploadBytes(maxFileBytes);
    if (announced !== undefined && announced > maxBody) {
      reject(new UploadTooLarge(announced));
      return;
    }
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        // busboy says "limit" once a file reaches this size: one byte more than allowed, so a file of exactly
        // `maxFileBytes` passes, as the commands' own check lets it.
        limits: {
          fileSize: maxFileBytes + 1,
          files: FILE_FIELDS.size,
          fields: MAX_FIELDS,
          fieldSize: MAX_FIELD_BYTES,
        },
      });
    } catch (error) {
      reject(new MalformedUpload(error instanceof Error ? error.message : String(error)));
      return;
    }
    const upload: Upload = { fields: {}, files: {} };
    let truncated: FieldTooLong | undefined;
    let received = 0;
    let settled = false;
    // Stops reading and parsing: what has not arrived is never read (the caller answers and closes). busboy
    // says "limit" in the middle of its own write, which must end before the parser is destroyed under it.
    const stop = () => {
      req.unpipe(parser);
      req.off('data', count);
      req.pause();
      setImmediate(() => parser.destroy());
    };
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      reject(error);
      stop();
    };
    const count = (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBody) fail(new UploadTooLarge(announced));
    };
    req.on('data', count);
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) truncated ??= new FieldTooLong(name, [...value].length);
      upload.fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      // A parser destroyed mid-file (a broken or cut-off body, or one refused as too large) destroys this stream
      // with the same error, which the rejection already reports; unheard, it would end the process.
      stream.on('error', () => undefined);
      if (!FILE_FIELDS.has(name)) {
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => fail(new UploadTooLarge(announced)));
      stream.on('close', () => {
        // A browser sends an unchosen file input as an empty part without a name; an empty part with a name is
        // an empty file the user chose, which the commands refuse as such.
        if (chunks.length > 0 || info.filename)
          upload.files[name] = { data: Buffer.concat(chunks), filename: info.filename || name };
      });
    });
    parser.on('error', (error: unknown) =>
      fail(new MalformedUpload(error instanceof Error ? error.message : String(error))),
    );
    parser.on('close', () => {
      if (settled) return;
      settled = true;
      if (truncated) reject(truncated);
      else resolve(upload);
    });
    // A body cut off mid-way never ends the parser (pipe ends it only on 'end'), so this promise would never
    // settle: stop parsing and give up instead.
    const abort = () => fail(new UploadAborted('the client went away before the body was complete'));
    req.on('error', abort);
    req.on('close', () => {
      if (!req.complete) abort();
    });
    req.pipe(parser);
  });
}
