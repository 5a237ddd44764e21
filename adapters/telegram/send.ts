// Sending a reply's images: as photos (the caption and keyboard on the first), or as documents when asked for
// files or when a photo is past Telegram's limits; a photo Telegram still refuses (400/413) goes again as a
// document.
import { type Api, GrammyError, InputFile } from 'grammy';
import type { Reply, ReplyImage } from '../../commands/index.js';
import type { Locale } from '../../src/i18n.js';
import { fitsAsPhoto } from './photo-limits.js';
import { keyboard, replyText } from './render.js';

/** Where a reply goes: the chat, its language, and the reply parameters (the message it answers). */
export interface SendTarget {
  chatId: number;
  locale: Locale;
  parameters: object;
}

export async function sendImages(
  api: Api,
  { chatId, locale, parameters }: SendTarget,
  reply: Reply,
): Promise<void> {
  const caption = replyText(reply, locale, 1024);
  const markup = keyboard(reply, locale);
  for (const [i, image] of (reply.images ?? []).entries()) {
    const extra =
      i === 0 ? { ...parameters, ...(reply.text.length > 0 ? { caption } : {}), reply_markup: markup } : {};
    if (reply.asFiles || !fitsAsPhoto(image.data)) {
      await sendDocument(api, chatId, image, extra);
      continue;
    }
    try {
      await api.sendPhoto(chatId, toInputFile(image), extra);
    } catch (error) {
      if (!(error instanceof GrammyError) || (error.error_code !== 400 && error.error_code !== 413))
        throw error;
      await sendDocument(api, chatId, image, extra);
    }
  }
}

/** A reply as one message: its images (see sendImages), else its text with its keyboard. */
export async function sendReply(api: Api, target: SendTarget, reply: Reply): Promise<void> {
  if (reply.images && reply.images.length > 0) return sendImages(api, target, reply);
  const { chatId, locale, parameters } = target;
  await api.sendMessage(chatId, replyText(reply, locale), {
    ...parameters,
    reply_markup: keyboard(reply, locale),
  });
}

function sendDocument(api: Api, chatId: number, image: ReplyImage, extra: object) {
  return api.sendDocument(chatId, toInputFile(image), { ...extra, disable_content_type_detection: true });
}

function toInputFile(image: ReplyImage): InputFile {
  return new InputFile(Buffer.from(image.data), image.filename);
}
