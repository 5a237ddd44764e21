// Telegram's documented limits as the Bot API server enforces them, each a small named check answering Telegram's
// own 400 (descriptions from tdlib/telegram-bot-api's Client.cpp and TDLib's BotCommand.cpp where they are there,
// else the server's error names the Bot API passes through, e.g. BUTTON_DATA_INVALID). grammY hands each to the
// adapter as a GrammyError with this `description` and `error_code`.
import type { Chat } from 'grammy/types';
import type { ApiResult } from './methods.js';

/** Message text after entity parsing (UTF-16 units, as the adapter counts and entity offsets do). */
export const TEXT_MAX = 4096;
export const CAPTION_MAX = 1024;
/** answerCallbackQuery's notification or alert text. */
export const CALLBACK_ANSWER_MAX = 200;
/** A callback button's data: 1–64 bytes of UTF-8. */
export const CALLBACK_DATA_MAX_BYTES = 64;
/** Inline keyboard: at most 8 buttons a row and 100 in all (tginfo/Telegram-Limits; REPLY_MARKUP_TOO_LONG). */
export const KEYBOARD_ROW_MAX = 8;
export const KEYBOARD_BUTTONS_MAX = 100;
/** setMyCommands: at most 100 commands, each 1–32 characters of a-z, 0-9, _; a description of 1–256. */
export const COMMANDS_MAX = 100;
export const COMMAND_MAX = 32;
export const COMMAND_DESCRIPTION_MAX = 256;
/** sendMediaGroup: 2–10 items. */
export const MEDIA_GROUP_MIN = 2;
export const MEDIA_GROUP_MAX = 10;
/** deleteMessages: 1–100 ids. */
export const DELETE_IDS_MAX = 100;
/** A forum's General topic: messages go there without message_thread_id; naming it is refused. */
export const GENERAL_TOPIC_ID = 1;

export const badRequest = (what: string): ApiResult => ({
  ok: false,
  error_code: 400,
  description: `Bad Request: ${what}`,
});

const HTML_ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"' };

/**
 * The text Telegram keeps after entity parsing: with parse_mode HTML its tags go and its entities are decoded;
 * other parse modes are counted as sent, which is at least as strict. Without parse_mode, the text itself.
 */
export function parsedText(text: string, parseMode: unknown): string {
  if (String(parseMode ?? '').toLowerCase() !== 'html') return text;
  return text
    .replace(/<[^>]*>/g, '')
    .replace(/&(lt|gt|amp|quot|#\d+|#x[0-9a-f]+);/gi, (whole, name: string) => {
      if (name.startsWith('#x') || name.startsWith('#X'))
        return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
      if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
      return HTML_ENTITIES[name.toLowerCase()] ?? whole;
    });
}

/** A message's text: given, not blank after parsing, at most 4096 characters. */
export function invalidText(text: unknown, parseMode: unknown): ApiResult | undefined {
  if (typeof text !== 'string' || text === '') return badRequest('message text is empty');
  const parsed = parsedText(text, parseMode);
  if (parsed.trim() === '') return badRequest('message must be non-empty');
  return parsed.length > TEXT_MAX ? badRequest('message is too long') : undefined;
}

/** A caption (of a photo, a document, a media edit): at most 1024 characters after parsing. */
export function invalidCaption(caption: unknown, parseMode: unknown): ApiResult | undefined {
  if (typeof caption !== 'string') return undefined;
  return parsedText(caption, parseMode).length > CAPTION_MAX
    ? badRequest('message caption is too long')
    : undefined;
}

/** answerCallbackQuery's text: at most 200 characters. */
export function invalidCallbackAnswer(text: unknown): ApiResult | undefined {
  return String(text ?? '').length > CALLBACK_ANSWER_MAX ? badRequest('MESSAGE_TOO_LONG') : undefined;
}

/** The fields that make an inline button do something other than send its data (exactly one is needed). */
const OTHER_ACTIONS = [
  'url',
  'login_url',
  'web_app',
  'switch_inline_query',
  'switch_inline_query_current_chat',
  'switch_inline_query_chosen_chat',
  'copy_text',
  'callback_game',
  'pay',
] as const;

/**
 * One inline button: a text, and an action; callback_data of 1–64 bytes (UTF-8: a Cyrillic or CJK character takes
 * 2–3), refused as BUTTON_DATA_INVALID past that. A button with neither data nor another action is refused.
 */
export function invalidInlineButton(button: unknown): ApiResult | undefined {
  const fields = (button ?? {}) as Record<string, unknown>;
  if (typeof fields.text !== 'string')
    return badRequest('can\'t parse inline keyboard button: Field "text" must be of type String');
  const data = fields.callback_data;
  if (typeof data === 'string' && data !== '')
    return Buffer.byteLength(data, 'utf8') > CALLBACK_DATA_MAX_BYTES
      ? badRequest('BUTTON_DATA_INVALID')
      : undefined;
  if (OTHER_ACTIONS.some((field) => fields[field] !== undefined && fields[field] !== '')) return undefined;
  return badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard");
}

/**
 * A reply_markup's inline keyboard: an array of rows (arrays), at most 8 buttons a row and 100 in all, each
 * button valid (`invalidInlineButton`). Other markups (reply keyboards, force_reply) pass.
 */
export function invalidReplyMarkup(markup: unknown): ApiResult | undefined {
  if (!markup || typeof markup !== 'object' || !('inline_keyboard' in markup)) return undefined;
  const rows = (markup as { inline_keyboard: unknown }).inline_keyboard;
  if (!Array.isArray(rows) || rows.some((row) => !Array.isArray(row)))
    return badRequest('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays');
  const buttons = (rows as unknown[][]).flat();
  if (
    rows.some((row) => (row as unknown[]).length > KEYBOARD_ROW_MAX) ||
    buttons.length > KEYBOARD_BUTTONS_MAX
  )
    return badRequest('reply markup is too long');
  for (const button of buttons) {
    const invalid = invalidInlineButton(button);
    if (invalid) return invalid;
  }
  return undefined;
}

/**
 * message_thread_id in a forum: the General topic (1) is named by leaving it out; any other must be a topic that
 * exists. Elsewhere Telegram ignores it.
 */
export function invalidTopic(
  chat: Chat,
  threadId: unknown,
  topicExists: (id: number) => boolean,
): ApiResult | undefined {
  if (threadId === undefined || !('is_forum' in chat && chat.is_forum)) return undefined;
  const id = Number(threadId);
  return id === GENERAL_TOPIC_ID || !topicExists(id) ? badRequest('message thread not found') : undefined;
}

/** A setMyCommands language_code: empty (every other language) or two lowercase letters (ISO 639-1). */
export function invalidLanguageCode(code: unknown): ApiResult | undefined {
  const value = code === undefined ? '' : String(code);
  return value === '' || /^[a-z]{2}$/.test(value) ? undefined : badRequest('invalid language code specified');
}

/** Characters as TDLib counts them (code points of the UTF-8 text). */
const codePoints = (text: string) => [...text].length;

/**
 * One BotCommand, as TDLib then the server check it: the command trimmed (a leading "/" dropped), 1–32 characters
 * of a-z, 0-9 and _ (BOT_COMMAND_INVALID otherwise); the description trimmed, 1–256 characters.
 */
export function invalidBotCommand(command: unknown): ApiResult | undefined {
  const fields = (command ?? {}) as Record<string, unknown>;
  if (typeof fields.command !== 'string' || typeof fields.description !== 'string')
    return badRequest('can\'t parse BotCommand: Field "command" must be of type String');
  const name = fields.command.trim().replace(/^\//, '');
  const description = fields.description.trim();
  if (name === '') return badRequest('command must be non-empty');
  if (codePoints(name) > COMMAND_MAX) return badRequest(`command length must not exceed ${COMMAND_MAX}`);
  if (description === '') return badRequest('command description must be non-empty');
  if (codePoints(description) > COMMAND_DESCRIPTION_MAX)
    return badRequest(`command description length must not exceed ${COMMAND_DESCRIPTION_MAX}`);
  return /^[a-z0-9_]+$/.test(name) ? undefined : badRequest('BOT_COMMAND_INVALID');
}

/** A whole menu: a valid language code, at most 100 commands, each valid. */
export function invalidCommandMenu(commands: unknown, languageCode: unknown): ApiResult | undefined {
  const language = invalidLanguageCode(languageCode);
  if (language) return language;
  if (!Array.isArray(commands)) return badRequest("can't parse commands JSON object");
  for (const command of commands) {
    const invalid = invalidBotCommand(command);
    if (invalid) return invalid;
  }
  return commands.length > COMMANDS_MAX ? badRequest('BOT_COMMANDS_TOO_MUCH') : undefined;
}

/** deleteMessages' ids: 1–100. */
export function invalidMessageIds(ids: unknown): ApiResult | undefined {
  if (!Array.isArray(ids) || ids.length === 0) return badRequest('message identifiers are not specified');
  return ids.length > DELETE_IDS_MAX ? badRequest('too many message identifiers specified') : undefined;
}

/** sendMediaGroup's media: 2–10 photos or documents (not mixed), each caption within 1024. */
export function invalidMediaGroup(media: unknown): ApiResult | undefined {
  if (!Array.isArray(media)) return badRequest('expected an Array of InputMedia');
  if (media.length === 0) return badRequest('there are no messages to send');
  if (media.length > MEDIA_GROUP_MAX) return badRequest('too many messages to send as an album');
  if (media.length < MEDIA_GROUP_MIN)
    return badRequest(`media must include ${MEDIA_GROUP_MIN}-${MEDIA_GROUP_MAX} items`);
  const types = new Set(media.map((item: { type?: unknown }) => item?.type));
  if (types.has('document') && types.size > 1)
    return badRequest("can't use the media of the specified type in the album");
  for (const item of media as Array<{ caption?: unknown; parse_mode?: unknown }>) {
    const caption = invalidCaption(item?.caption, item?.parse_mode);
    if (caption) return caption;
  }
  return undefined;
}
