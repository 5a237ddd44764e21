import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';

export interface UploadedFile {
  /** The form field name (`files[0]` for discord.js, a random attach id for grammY). */
  field: string;
  filename: string;
  contentType: string;
  bytes: Buffer;
}

export interface MultipartBody {
  fields: Record<string, string>;
  files: UploadedFile[];
}

export function isMultipart(req: IncomingMessage): boolean {
  return (req.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/form-data');
}

/**
 * Parses multipart/form-data with busboy: Node 20's `Response.formData()` rejects grammY's header
 * spelling (`content-disposition:form-data;name=…` without spaces), busboy accepts both clients.
 */
export function parseMultipart(req: IncomingMessage, limitBytes: number): Promise<MultipartBody> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    const files: UploadedFile[] = [];
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: limitBytes, fieldSize: limitBytes } });
    } catch (error) {
      reject(error);
      return;
    }
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (field, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => reject(new Error(`multipart file ${field} over ${limitBytes} bytes`)));
      stream.on('end', () => {
        files.push({
          field,
          filename: info.filename ?? field,
          contentType: info.mimeType,
          bytes: Buffer.concat(chunks),
        });
      });
    });
    parser.on('error', reject);
    parser.on('close', () => resolve({ fields, files }));
    req.pipe(parser);
  });
}
