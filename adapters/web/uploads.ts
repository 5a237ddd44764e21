// multipart/form-data with hard limits: a few named files and text fields, nothing written to disk.
import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';

export interface Upload {
  fields: Record<string, string>;
  files: Record<string, { data: Uint8Array; filename: string }>;
}

/** A file went over the limit; `receivedBytes` is the whole request body read (the file's size, near enough). */
export class UploadTooLarge extends Error {
  constructor(readonly receivedBytes: number) {
    super(`upload over the limit (${receivedBytes} bytes received)`);
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

export function readUpload(req: IncomingMessage, maxFileBytes: number): Promise<Upload> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        limits: { fileSize: maxFileBytes, files: 3, fields: 8, fieldSize: 16_384 },
      });
    } catch (error) {
      reject(new MalformedUpload(error instanceof Error ? error.message : String(error)));
      return;
    }
    const upload: Upload = { fields: {}, files: {} };
    let tooLarge = false;
    let truncated: FieldTooLong | undefined;
    let received = 0;
    // Counted beside busboy: it truncates the file at the limit, and the refusal names the size that was sent.
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) truncated ??= new FieldTooLong(name, [...value].length);
      upload.fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      // A parser destroyed mid-file (a broken or cut-off body) destroys this stream with the same error, which the
      // parser's own 'error' or the abort below already reports; unheard, it would end the process.
      stream.on('error', () => undefined);
      if (!FILE_FIELDS.has(name)) {
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => {
        tooLarge = true;
      });
      stream.on('close', () => {
        // A browser sends an unchosen file input as an empty part without a name; an empty part with a name is
        // an empty file the user chose, which the commands refuse as such.
        if (chunks.length > 0 || info.filename)
          upload.files[name] = { data: Buffer.concat(chunks), filename: info.filename || name };
      });
    });
    parser.on('error', (error: unknown) =>
      reject(new MalformedUpload(error instanceof Error ? error.message : String(error))),
    );
    parser.on('close', () => {
      if (tooLarge) reject(new UploadTooLarge(received));
      else if (truncated) reject(truncated);
      else resolve(upload);
    });
    // A body cut off mid-way never ends the parser (pipe ends it only on 'end'), so this promise would never
    // settle: stop parsing and give up instead.
    const abort = () => {
      reject(new UploadAborted('the client went away before the body was complete'));
      req.unpipe(parser);
      parser.destroy();
    };
    req.on('error', abort);
    req.on('close', () => {
      if (!req.complete) abort();
    });
    req.pipe(parser);
  });
}
