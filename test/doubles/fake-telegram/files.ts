import { randomBytes } from 'node:crypto';

export interface StoredFile {
  fileId: string;
  fileUniqueId: string;
  filePath: string;
  bytes: Buffer;
  mimeType: string;
  width: number;
  height: number;
}

export interface RegisterFileSpec {
  filename?: string;
  mimeType?: string;
  /** Dimensions to report for photos; read from the PNG header when left out. */
  width?: number;
  height?: number;
}

/** Image size from a PNG's IHDR chunk, the one format tests generate; others report the given or a default size. */
export function pngSize(bytes: Buffer): { width: number; height: number } | undefined {
  if (
    bytes.length < 24 ||
    bytes.readUInt32BE(0) !== 0x89504e47 ||
    bytes.toString('ascii', 12, 16) !== 'IHDR'
  ) {
    return undefined;
  }
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** Files the fake can hand out by file_id and serve at `/file/bot<token>/<file_path>`. */
export class FileStore {
  readonly byId = new Map<string, StoredFile>();
  readonly byPath = new Map<string, StoredFile>();
  #counter = 0;

  /** By file_id; the smaller photo sizes (`<id>_s2`, `<id>_s4`) resolve to the same bytes. */
  get(fileId: string): StoredFile | undefined {
    return this.byId.get(fileId) ?? this.byId.get(fileId.replace(/_s\d+$/, ''));
  }

  register(bytes: Buffer | Uint8Array, spec: RegisterFileSpec = {}): StoredFile {
    this.#counter += 1;
    const data = Buffer.from(bytes);
    const size = pngSize(data);
    const mimeType = spec.mimeType ?? (size ? 'image/png' : 'application/octet-stream');
    const folder = mimeType.startsWith('image/') && !spec.filename ? 'photos' : 'documents';
    const name = spec.filename ?? `file_${this.#counter}.${size ? 'png' : 'bin'}`;
    const file: StoredFile = {
      // Real file_ids are long opaque strings; a random part keeps tests from inventing them.
      fileId: `AgAC${randomBytes(12).toString('base64url')}_${this.#counter}`,
      fileUniqueId: `AQAD${this.#counter}`,
      filePath: `${folder}/${name}`,
      bytes: data,
      mimeType,
      width: spec.width ?? size?.width ?? 512,
      height: spec.height ?? size?.height ?? 512,
    };
    this.byId.set(file.fileId, file);
    this.byPath.set(file.filePath, file);
    return file;
  }
}
