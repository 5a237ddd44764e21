// The images users send: found on a message (the largest photo size, an image document, or a static sticker) and
// downloaded at once, because Telegram's file links expire; but only for a user the commands would serve: a blocked
// user's request is refused before anything of it is fetched.
import { type Api, type Context, GrammyError } from 'grammy';
import type { Message, PhotoSize } from 'grammy/types';
import { type CommandContext, type Commands, type InputImage, UserInputError } from '../../commands/index.js';
import { downloadCapped, tooLarge } from '../shared/download.js';
import type { TelegramReplies } from './replies.js';

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
  // A static sticker is a WebP picture (animated ones are Lottie or video): a reply to it can edit it.
  const sticker = message.sticker;
  if (sticker && !sticker.is_animated && !sticker.is_video)
    return { id: sticker.file_id, size: sticker.file_size };
  return undefined;
}

export async function download(source: DownloadSource, { id, size }: ImageRef): Promise<InputImage> {
  const limit = Math.min(MAX_DOWNLOAD_BYTES, source.maxInputBytes);
  if (size !== undefined && size > limit) throw tooLarge(size, limit);
  const file = await source.api.getFile(id).catch((error: unknown) => {
    throw refusalOf(error, limit);
  });
  if (!file.file_path) throw new UserInputError('errors.telegram.download_failed');
  const url = new URL(`${source.root}/file/bot${source.token}/${file.file_path}`);
  const data = await downloadCapped(url, {
    maxBytes: limit,
    failure: 'errors.telegram.download_failed',
    // Only within the Bot API's own server, as the file link itself.
    mayFollow: (next) => next.origin === url.origin,
  });
  return { data, filename: file.file_path.split('/').pop() ?? 'image' };
}

/**
 * getFile's refusal as the user's: a file past its 20 MB (a message may give no size to check first) is too large,
 * any other refusal of the file a failed download. Anything else (the network, a flood wait) goes on as it was.
 */
function refusalOf(error: unknown, limit: number): unknown {
  if (!(error instanceof GrammyError) || error.error_code !== 400) return error;
  if (/file is too big/i.test(error.description))
    return new UserInputError('errors.input.too_large_unsized', { limitBytes: limit });
  return new UserInputError('errors.telegram.download_failed');
}

/** The images of a request, downloaded for the user who sent it unless the commands refuse them. */
export class IncomingImages {
  constructor(
    private readonly source: DownloadSource,
    private readonly commands: Pick<Commands, 'refusal'>,
    private readonly replies: Pick<TelegramReplies, 'send'>,
  ) {}

  /**
   * The images of `refs`, in order; undefined when the user was refused instead (the refusal is sent, as the
   * command's own would be). Nothing to download asks nothing: the command that follows answers for itself.
   */
  async fetch(ctx: Context, c: CommandContext, refs: readonly ImageRef[]): Promise<InputImage[] | undefined> {
    if (refs.length === 0) return [];
    const refusal = this.commands.refusal(c);
    if (refusal) {
      await this.replies.send(ctx, c, refusal);
      return undefined;
    }
    const images: InputImage[] = [];
    for (const ref of refs) images.push(await download(this.source, ref));
    return images;
  }
}

/** The callback data of a message's inline buttons. */
export function buttonIdsOf(message: Message | undefined): string[] {
  return (message?.reply_markup?.inline_keyboard ?? [])
    .flat()
    .flatMap((button) => ('callback_data' in button ? [button.callback_data] : []));
}
