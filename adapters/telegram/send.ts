// Sending a reply's images: as photos (the caption and keyboard on the first), or as documents when asked for
// files or when a photo is past Telegram's limits; a photo Telegram still refuses (400/413) goes again as a
// document; a text too long for one message goes on in further messages. Every message of a reply goes to the forum
// topic the request came from, and is reported once sent (`SendTarget.sent`). A job's ending passes `persist`, which
// waits out flood control call by call, so a wait never sends an image of the reply twice.
import { type Api, GrammyError, InputFile } from 'grammy';
import type { Message } from 'grammy/types';
import type { Reply, ReplyImage } from '../../commands/index.js';
import type { Locale } from '../../src/i18n.js';
import { type PartSent, sendPart } from '../shared/delivered.js';
import { once, type Persist } from './flood-wait.js';
import { fitsAsPhoto } from './photo-limits.js';
import { keyboard, replyText, textParts } from './render.js';

/** Where a reply goes: the chat, its language, and the reply parameters (the message it answers). */
export interface SendTarget {
  chatId: number;
  locale: Locale;
  parameters: object;
  /** The forum topic (`message_thread_id`), when the request was in one. */
  threadId?: number;
  /**
   * Reports each message of the reply once Telegram took it (adapters/shared/delivered.ts): what its lines deliver
   * counts then. Every answer to a user passes it; a job's ending, whose lines deliver nothing, may leave it out.
   */
  sent?: PartSent;
}

const NOTHING_TO_REPORT: PartSent = () => undefined;

/**
 * The forum topic a message is in. Only `is_topic_message` says so: in an ordinary group a reply carries a
 * `message_thread_id` too (its reply thread), which is no topic.
 */
export function topicOf(message: Message | undefined): number | undefined {
  return message?.is_topic_message ? message.message_thread_id : undefined;
}

/**
 * The field that keeps a message in its topic. A reply names its topic through the message it answers, but not once
 * that message is deleted (Telegram ignores allow_sending_without_reply in topics), and a chat action has no reply.
 */
export function inTopic(threadId: number | undefined): { message_thread_id?: number } {
  return threadId === undefined ? {} : { message_thread_id: threadId };
}

export async function sendImages(
  api: Api,
  { chatId, locale, parameters, threadId, sent = NOTHING_TO_REPORT }: SendTarget,
  reply: Reply,
  persist: Persist = once,
): Promise<void> {
  const caption = replyText(reply, locale, 1024);
  const markup = keyboard(reply, locale);
  const { delivers, ...captioned } = reply;
  for (const [i, image] of (reply.images ?? []).entries()) {
    const first =
      i === 0 ? { ...parameters, ...(reply.text.length > 0 ? { caption } : {}), reply_markup: markup } : {};
    const extra = { ...first, ...inTopic(threadId) };
    const send = () => sendImage(api, chatId, image, extra, reply.asFiles === true, persist);
    // The reply's lines are the first image's caption: sent with it.
    await (i === 0 ? sendPart(captioned, sent, send) : send());
  }
  // What its images deliver (a fetched file) once every one was sent: a refusal above threw before this.
  if (delivers !== undefined) sent({ text: [], delivers });
}

/** One image: a photo, or a document when asked for files, past a photo's limits, or refused as a photo. */
async function sendImage(
  api: Api,
  chatId: number,
  image: ReplyImage,
  extra: object,
  asFile: boolean,
  persist: Persist,
): Promise<void> {
  if (asFile || !fitsAsPhoto(image.data)) {
    await persist(() => sendDocument(api, chatId, image, extra));
    return;
  }
  try {
    await persist(() => api.sendPhoto(chatId, toInputFile(image), extra));
  } catch (error) {
    if (!(error instanceof GrammyError) || (error.error_code !== 400 && error.error_code !== 413))
      throw error;
    await persist(() => sendDocument(api, chatId, image, extra));
  }
}

/**
 * A reply: its images (see sendImages), else its text with its keyboard, in several messages when too long for one
 * (`textParts`, see sendFurther).
 */
export async function sendReply(
  api: Api,
  target: SendTarget,
  reply: Reply,
  persist: Persist = once,
): Promise<void> {
  if (reply.images && reply.images.length > 0) return sendImages(api, target, reply, persist);
  const { chatId, locale, parameters, threadId, sent = NOTHING_TO_REPORT } = target;
  const [first, ...rest] = textParts(reply, locale);
  await sendPart(first, sent, () =>
    persist(() =>
      api.sendMessage(chatId, replyText(first, locale), {
        ...parameters,
        ...inTopic(threadId),
        reply_markup: keyboard(first, locale),
      }),
    ),
  );
  await sendFurther(api, target, rest, persist);
}

/**
 * The further parts of a text reply too long for one message (`textParts`), once its first was sent: each a message
 * of its own in the same chat and topic, answering what the first answers. One Telegram refuses does not keep the
 * others back; the first refusal is thrown once all were tried.
 */
export async function sendFurther(
  api: Api,
  { chatId, locale, parameters, threadId, sent = NOTHING_TO_REPORT }: SendTarget,
  parts: readonly Reply[],
  persist: Persist = once,
): Promise<void> {
  const failures: unknown[] = [];
  for (const part of parts) {
    await sendPart(part, sent, () =>
      persist(() =>
        api.sendMessage(chatId, replyText(part, locale), { ...parameters, ...inTopic(threadId) }),
      ),
    ).catch((error: unknown) => failures.push(error));
  }
  if (failures.length > 0) throw failures[0];
}

function sendDocument(api: Api, chatId: number, image: ReplyImage, extra: object) {
  return api.sendDocument(chatId, toInputFile(image), { ...extra, disable_content_type_detection: true });
}

function toInputFile(image: ReplyImage): InputFile {
  return new InputFile(Buffer.from(image.data), image.filename);
}
