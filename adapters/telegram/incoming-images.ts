// The images users send: found on a message (the largest photo size, or an image document) and downloaded at once,
// because Telegram's file links expire.
import type { Api } from 'grammy';
import type { Message, PhotoSize } from 'grammy/types';
import { type InputImage, UserInputError } from '../../commands/index.js';

/** getFile's limit. */
const MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024;

/** A photo or image document of a message, not yet downloaded. */
export interface ImageRef {
  id: string;
  size?: number;
}

export interface DownloadSource {
  api: Api;
  /** The Bot API's root (tests point it at a local one). */
  root: string;
  token: string;
  /** The configured largest input. */
  maxInputBytes: number;
}

export function imageOf(message: Message | undefined): ImageRef | undefined {
  if (!message) return undefined;
  // The largest size; a malformed message may list none.
  const photo = message.photo?.reduce<PhotoSize | undefined>(
    (a, b) => (!a || b.width * b.height > a.width * a.height ? b : a),
    undefined,
  );
  if (photo) return { id: photo.file_id, size: photo.file_size };
  const doc = message.document;
  if (doc && (doc.mime_type ?? '').startsWith('image/')) return { id: doc.file_id, size: doc.file_size };
  return undefined;
}

export async function download(source: DownloadSource, { id, size }: ImageRef): Promise<InputImage> {
  const limit = Math.min(MAX_DOWNLOAD_BYTES, source.maxInputBytes);
  const tooLarge = (bytes: number) =>
    new UserInputError('errors.input.too_large', { sizeBytes: bytes, limitBytes: limit });
  if (size !== undefined && size > limit) throw tooLarge(size);
  const file = await source.api.getFile(id);
  if (!file.file_path) throw new UserInputError('errors.telegram.download_failed');
  const response = await fetch(`${source.root}/file/bot${source.token}/${file.file_path}`, {
    signal: AbortSignal.timeout(30_000),
  }).catch(() => undefined);
  if (!response?.ok) throw new UserInputError('errors.telegram.download_failed');
  const data = new Uint8Array(await response.arrayBuffer());
  if (data.byteLength > limit) throw tooLarge(data.byteLength);
  return { data, filename: file.file_path.split('/').pop() ?? 'image' };
}

/** The callback data of a message's inline buttons. */
export function buttonIdsOf(message: Message | undefined): string[] {
  return (message?.reply_markup?.inline_keyboard ?? [])
    .flat()
    .flatMap((button) => ('callback_data' in button ? [button.callback_data] : []));
}
