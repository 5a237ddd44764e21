// multipart/form-data with hard limits: a few named files and text fields, nothing written to disk.
import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';

export interface Upload {
  fields: Record<string, string>;
  files: Record<string, { data: Uint8Array; filename: string }>;
}

export class UploadTooLarge extends Error {}

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
      reject(error);
      return;
    }
    const upload: Upload = { fields: {}, files: {} };
    let tooLarge = false;
    parser.on('field', (name, value) => {
      upload.fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
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
        if (chunks.length > 0)
          upload.files[name] = { data: Buffer.concat(chunks), filename: info.filename ?? name };
      });
    });
    parser.on('error', reject);
    parser.on('close', () => (tooLarge ? reject(new UploadTooLarge()) : resolve(upload)));
    req.pipe(parser);
  });
}
