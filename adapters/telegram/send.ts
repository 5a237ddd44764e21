// Sending a reply's images: as photos (the caption and keyboard on the first), or as documents when asked for
// files or when a photo is past Telegram's limits; a photo Telegram still refuses (400/413) goes again as a
// document; a text too long for one message, or for a caption, goes on in further messages. Every message of a reply
// goes to the forum topic the request came from, and is reported once sent (`SendTarget.sent`). A job's ending passes
// `persist`, which waits out flood control call by call, so a wait never sends an image of the reply twice.
import { type Api, GrammyError, InputFile } from 'grammy';
import type { Message } from 'grammy/types';
import type { Reply, ReplyImage } from '../../commands/index.js';
import type { Locale } from '../../src/i18n.js';
import { type PartSent, sendPart } from '../shared/delivered.js';
import { goesOn } from '../shared/reply-parts.js';
import { once, type Persist } from './flood-wait.js';
import { fitsAsPhoto } from './photo-limits.js';
import { CAPTION_LIMIT, captionParts, keyboard, replyText, textParts } from './render.js';

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
  /**
   * Hears the id of each message of the reply once Telegram took it: a job's ending keeps them, so that its Delete
   * button removes every message the result was sent as.
   */
  onMessage?: (messageId: number) => void;
  /** Asked before each further message (`sendFurther`): once true, the rest is not sent (replies.ts `sendLater`). */
  stopped?: () => boolean;
  /** Carried by each further message's request (`sendFurther`): a list's turn (in-place-turns.ts) cuts its waits. */
  signal?: AbortSignal;
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

/**
 * A reply's images, its keyboard on the first, and its lines as that one's caption as far as they fit in 1024
 * characters, whole; the lines past them go on in messages answering it (`sendFurther`), as Telegram's apps send a
 * caption too long for a photo.
 */
export async function sendImages(
  api: Api,
  target: SendTarget,
  reply: Reply,
  persist: Persist = once,
): Promise<void> {
  const { chatId, locale, parameters, threadId, sent = NOTHING_TO_REPORT, onMessage } = target;
  const markup = keyboard(reply, locale);
  const { delivers, ...captioned } = reply;
  const [caption, ...further] = captionParts(captioned, locale);
  const text = caption.text.length > 0 ? { caption: replyText(caption, locale, CAPTION_LIMIT) } : {};
  let first: number | undefined;
  for (const [i, image] of (reply.images ?? []).entries()) {
    const extra = {
      ...(i === 0 ? { ...parameters, ...text, reply_markup: markup } : {}),
      ...inTopic(threadId),
    };
    const send = () => sendImage(api, chatId, image, extra, reply.asFiles === true, persist);
    // The lines that fit are the first image's caption: sent with it.
    const message = await (i === 0 ? sendPart(caption, sent, send) : send());
    onMessage?.(message.message_id);
    first ??= message.message_id;
  }
  // What its images deliver (a fetched file) once every one was sent: a refusal above threw before this.
  if (delivers !== undefined) sent({ text: [], delivers });
  if (further.length === 0 || first === undefined) return;
  const answering = { reply_parameters: { message_id: first, allow_sending_without_reply: true } };
  await sendFurther(api, { ...target, parameters: answering }, further, persist);
}

/** One image: a photo, or a document when asked for files, past a photo's limits, or refused as a photo. */
async function sendImage(
  api: Api,
  chatId: number,
  image: ReplyImage,
  extra: object,
  asFile: boolean,
  persist: Persist,
): Promise<Message> {
  if (asFile || !fitsAsPhoto(image.data)) return persist(() => sendDocument(api, chatId, image, extra));
  try {
    return await persist(() => api.sendPhoto(chatId, toInputFile(image), extra));
  } catch (error) {
    if (!(error instanceof GrammyError) || (error.error_code !== 400 && error.error_code !== 413))
      throw error;
    return persist(() => sendDocument(api, chatId, image, extra));
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
  const { chatId, locale, parameters, threadId, sent = NOTHING_TO_REPORT, onMessage } = target;
  const [first, ...rest] = textParts(reply, locale);
  const message = await sendPart(first, sent, () =>
    persist(() =>
      api.sendMessage(chatId, replyText(first, locale), {
        ...parameters,
        ...inTopic(threadId),
        reply_markup: keyboard(first, locale),
      }),
    ),
  );
  onMessage?.(message.message_id);
  await sendFurther(api, target, rest, persist);
}

/**
 * The further parts of a text reply too long for one message (`textParts`), once its first was sent: each a message
 * of its own in the same chat and topic, answering what the first answers. One Telegram refuses does not keep the
 * other lines back, but a line in pieces (`goesOn`) goes no further past a refused piece: its later pieces are not
 * sent, so its last one never delivers what the line does with a piece missing. The first refusal is thrown once
 * all were tried.
 */
export async function sendFurther(
  api: Api,
  { chatId, locale, parameters, threadId, sent = NOTHING_TO_REPORT, onMessage, stopped, signal }: SendTarget,
  parts: readonly Reply[],
  persist: Persist = once,
): Promise<void> {
  const failures: unknown[] = [];
  let broken = false;
  for (const whole of parts) {
    if (stopped?.()) break;
    let part = whole;
    if (broken) {
      // It begins with the rest of that line, up to its last piece: the lines after it still go.
      const last = whole.text.findIndex((line) => !goesOn(line));
      broken = last < 0;
      part = { ...whole, text: broken ? [] : whole.text.slice(last + 1) };
      if (part.text.length === 0) continue;
    }
    await sendPart(part, sent, () =>
      persist(() =>
        api.sendMessage(
          chatId,
          replyText(part, locale),
          { ...parameters, ...inTopic(threadId) },
          signal as Parameters<Api['sendMessage']>[3],
        ),
      ),
    ).then(
      (message) => onMessage?.(message.message_id),
      (error: unknown) => {
        failures.push(error);
        broken = goesOn(part.text.at(-1));
      },
    );
  }
  if (failures.length > 0) throw failures[0];
}

function sendDocument(api: Api, chatId: number, image: ReplyImage, extra: object) {
  return api.sendDocument(chatId, toInputFile(image), { ...extra, disable_content_type_detection: true });
}

function toInputFile(image: ReplyImage): InputFile {
  return new InputFile(Buffer.from(image.data), image.filename);
}
