import type { Chat, InlineKeyboardMarkup, Message } from 'grammy/types';
import { documentOf, photoSizes } from './builders.js';
import type { StoredFile } from './files.js';
import {
  badRequest,
  invalidCallbackAnswer,
  invalidCaption,
  invalidCommandMenu,
  invalidMediaGroup,
  invalidMessageIds,
  invalidReplyMarkup,
  invalidText,
  invalidTopic,
} from './limits.js';
import type { TelegramState } from './state.js';

export type ApiResult =
  | { ok: true; result: unknown }
  | {
      ok: false;
      error_code: number;
      description: string;
      parameters?: { retry_after?: number; migrate_to_chat_id?: number };
    };

// biome-ignore lint/suspicious/noExplicitAny: Bot API parameters arrive as JSON of many shapes
export type Params = Record<string, any>;

export interface MethodContext {
  state: TelegramState;
  params: Params;
  /** Resolves a file parameter: an upload (`attach://id` or a part named like the parameter) or a known file_id. */
  input: (name: string, value: unknown) => StoredFile | undefined;
  /** Lets getUpdates notice that the client went away. */
  onClose: (cancel: () => void) => void;
}

type Method = (ctx: MethodContext) => ApiResult | Promise<ApiResult>;

const MB = 1024 * 1024;
const ok = (result: unknown): ApiResult => ({ ok: true, result });

export { badRequest } from './limits.js';

const NOT_MODIFIED =
  'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message';

function targetChat(ctx: MethodContext) {
  return ctx.state.chat(ctx.params.chat_id);
}

function replyTarget(ctx: MethodContext, chatId: number): Message | undefined | 'missing' {
  const id = ctx.params.reply_parameters?.message_id ?? ctx.params.reply_to_message_id;
  if (id === undefined) return undefined;
  const message = ctx.state.message(chatId, Number(id));
  if (message) return message;
  const allow =
    ctx.params.reply_parameters?.allow_sending_without_reply ?? ctx.params.allow_sending_without_reply;
  return allow ? undefined : 'missing';
}

/**
 * The forum topic a message sent to `chat` lands in: the one named by `message_thread_id`, else the topic of the
 * message it replies to, else General (undefined). A reply whose message is gone names no topic, and Telegram
 * ignores allow_sending_without_reply in forums: 'missing'.
 */
function topicOf(
  ctx: MethodContext,
  chat: Chat,
  replyTo: Message | undefined,
): number | undefined | 'missing' {
  if (!('is_forum' in chat && chat.is_forum)) return undefined;
  if (ctx.params.message_thread_id !== undefined) return Number(ctx.params.message_thread_id);
  if (replyTo) return replyTo.is_topic_message ? replyTo.message_thread_id : undefined;
  const asked = ctx.params.reply_parameters?.message_id ?? ctx.params.reply_to_message_id;
  return asked === undefined ? undefined : 'missing';
}

/** Shared by every send*: chat lookup, reply target, caption rules, then store the message from the bot. */
function send(ctx: MethodContext, content: Partial<Message>): ApiResult {
  const chat = targetChat(ctx);
  if (!chat) return badRequest('chat not found');
  const replyTo = replyTarget(ctx, chat.id);
  if (replyTo === 'missing') return badRequest('message to be replied not found');
  const topic = topicOf(ctx, chat, replyTo);
  if (topic === 'missing') return badRequest('message to be replied not found');
  const caption = ctx.params.caption;
  const invalid =
    invalidTopic(chat, ctx.params.message_thread_id, (id) => ctx.state.topicExists(chat.id, id)) ??
    invalidCaption(caption, ctx.params.parse_mode);
  if (invalid) return invalid;
  const message = ctx.state.compose(
    chat,
    {
      from: ctx.state.world.bot,
      ...content,
      ...(typeof caption === 'string' && caption.length > 0 ? { caption } : {}),
      ...(ctx.params.reply_markup ? { reply_markup: ctx.params.reply_markup } : {}),
      ...(topic !== undefined ? { message_thread_id: topic, is_topic_message: true as const } : {}),
    },
    replyTo,
  );
  return ok(ctx.state.store(message));
}

/** Photos must satisfy Telegram's rules: ≤ 10 MB, width + height ≤ 10000, aspect ratio ≤ 20. */
function photoProblem(file: StoredFile): ApiResult | undefined {
  if (file.bytes.length > 10 * MB)
    return { ok: false, error_code: 413, description: 'Request Entity Too Large' };
  const ratio = Math.max(file.width, file.height) / Math.max(1, Math.min(file.width, file.height));
  if (file.width + file.height > 10_000 || ratio > 20) return badRequest('PHOTO_INVALID_DIMENSIONS');
  return undefined;
}

/** Documents up to 50 MB. */
function documentProblem(file: StoredFile): ApiResult | undefined {
  return file.bytes.length > 50 * MB
    ? { ok: false, error_code: 413, description: 'Request Entity Too Large' }
    : undefined;
}

function editable(ctx: MethodContext): Message | ApiResult {
  const chat = targetChat(ctx);
  const message = chat ? ctx.state.message(chat.id, Number(ctx.params.message_id)) : undefined;
  if (!message || message.from?.id !== ctx.state.world.bot.id) return badRequest('message to edit not found');
  return message;
}

function isResult(value: Message | ApiResult): value is ApiResult {
  return 'ok' in value;
}

function sameMarkup(a: InlineKeyboardMarkup | undefined, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

function edited(ctx: MethodContext, message: Message, changes: Partial<Message>): ApiResult {
  const next = {
    ...message,
    ...changes,
    edit_date: Math.floor(Date.now() / 1000),
  } as Message & { reply_markup?: unknown };
  if ('reply_markup' in ctx.params) next.reply_markup = ctx.params.reply_markup;
  else delete next.reply_markup;
  return ok(ctx.state.store(next as Message));
}

const methods: Record<string, Method> = {
  getMe: (ctx) => ok(ctx.state.world.bot),
  logOut: () => ok(true),
  close: () => ok(true),

  getUpdates: async (ctx) => {
    const queue = ctx.state.updates;
    if (queue.webhook) {
      return {
        ok: false,
        error_code: 409,
        description:
          "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      };
    }
    if (ctx.params.offset !== undefined) queue.confirm(Number(ctx.params.offset));
    if (Array.isArray(ctx.params.allowed_updates)) ctx.state.allowedUpdates = ctx.params.allowed_updates;
    const limit = Math.min(100, Math.max(1, Number(ctx.params.limit ?? 100)));
    const result = await queue.poll(limit, Number(ctx.params.timeout ?? 0), ctx.onClose);
    if (result === 'conflict') {
      return {
        ok: false,
        error_code: 409,
        description:
          'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
      };
    }
    return ok(result);
  },
  setWebhook: (ctx) => {
    const url = String(ctx.params.url ?? '');
    if (url === '') {
      ctx.state.updates.setWebhook(undefined);
      return ok(true);
    }
    if (!/^https?:\/\//.test(url))
      return badRequest('bad webhook: An HTTPS URL must be provided for webhook');
    if (ctx.params.drop_pending_updates) ctx.state.updates.dropPending();
    if (Array.isArray(ctx.params.allowed_updates)) ctx.state.allowedUpdates = ctx.params.allowed_updates;
    ctx.state.updates.setWebhook({ url, secretToken: ctx.params.secret_token });
    return ok(true);
  },
  deleteWebhook: (ctx) => {
    if (ctx.params.drop_pending_updates) ctx.state.updates.dropPending();
    ctx.state.updates.setWebhook(undefined);
    return ok(true);
  },
  getWebhookInfo: (ctx) => {
    const queue = ctx.state.updates;
    const failure = queue.lastFailure();
    return ok({
      url: queue.webhook?.url ?? '',
      has_custom_certificate: false,
      pending_update_count: queue.pending.length,
      ...(failure
        ? {
            last_error_date: Math.floor(failure.at / 1000),
            last_error_message:
              failure.status === 'network-error'
                ? 'Connection refused'
                : `Wrong response from the webhook: ${failure.status}`,
          }
        : {}),
    });
  },

  sendMessage: (ctx) => {
    const text = ctx.params.text;
    const invalid = invalidText(text, ctx.params.parse_mode);
    if (invalid) return invalid;
    return send(ctx, { text, ...(ctx.params.entities ? { entities: ctx.params.entities } : {}) });
  },
  sendPhoto: (ctx) => {
    const file = ctx.input('photo', ctx.params.photo);
    if (!file) return badRequest('wrong file identifier/HTTP URL specified');
    return photoProblem(file) ?? send(ctx, { photo: photoSizes(file) });
  },
  sendDocument: (ctx) => {
    const file = ctx.input('document', ctx.params.document);
    if (!file) return badRequest('wrong file identifier/HTTP URL specified');
    return documentProblem(file) ?? send(ctx, { document: documentOf(file) });
  },
  // An album: 2–10 photos (or documents), one message each, sharing a media_group_id; captions per item.
  sendMediaGroup: (ctx) => {
    const media: unknown = ctx.params.media;
    const invalid = invalidMediaGroup(media);
    if (invalid || !Array.isArray(media)) return invalid ?? badRequest('expected an Array of InputMedia');
    const files = media.map((item: Params) => ctx.input('media', item?.media));
    if (files.some((file) => !file)) return badRequest('wrong file identifier/HTTP URL specified');
    const problem = files
      .map((file, i) =>
        media[i]?.type === 'photo' ? photoProblem(file as StoredFile) : documentProblem(file as StoredFile),
      )
      .find(Boolean);
    if (problem) return problem;
    const groupId = String(Date.now()) + String(Math.floor(Math.random() * 1e6));
    const sent: unknown[] = [];
    for (const [i, item] of media.entries()) {
      const file = files[i] as StoredFile;
      const content = item.type === 'photo' ? { photo: photoSizes(file) } : { document: documentOf(file) };
      const answer = send(
        { ...ctx, params: { ...ctx.params, caption: item.caption } },
        { ...content, media_group_id: groupId },
      );
      if (!answer.ok) return answer;
      sent.push(answer.result);
    }
    return ok(sent);
  },
  sendChatAction: (ctx) => {
    const chat = targetChat(ctx);
    if (!chat) return badRequest('chat not found');
    const topic = invalidTopic(chat, ctx.params.message_thread_id, (id) =>
      ctx.state.topicExists(chat.id, id),
    );
    if (topic) return topic;
    const actions = ['typing', 'upload_photo', 'upload_document', 'choose_sticker', 'find_location'];
    return actions.includes(ctx.params.action) ? ok(true) : badRequest('wrong parameter action in request');
  },

  editMessageText: (ctx) => {
    if (ctx.params.inline_message_id) return ok(true);
    const message = editable(ctx);
    if (isResult(message)) return message;
    if (message.text === undefined) return badRequest('there is no text in the message to edit');
    const text = ctx.params.text;
    const invalid = invalidText(text, ctx.params.parse_mode);
    if (invalid) return invalid;
    if (text === message.text && sameMarkup(message.reply_markup, ctx.params.reply_markup)) {
      return badRequest(NOT_MODIFIED);
    }
    return edited(ctx, message, { text });
  },
  editMessageCaption: (ctx) => {
    if (ctx.params.inline_message_id) return ok(true);
    const message = editable(ctx);
    if (isResult(message)) return message;
    if (message.text !== undefined) return badRequest('there is no caption in the message to edit');
    const caption = typeof ctx.params.caption === 'string' ? ctx.params.caption : '';
    const invalid = invalidCaption(caption, ctx.params.parse_mode);
    if (invalid) return invalid;
    if (caption === (message.caption ?? '') && sameMarkup(message.reply_markup, ctx.params.reply_markup)) {
      return badRequest(NOT_MODIFIED);
    }
    return edited(ctx, message, { caption });
  },
  editMessageReplyMarkup: (ctx) => {
    if (ctx.params.inline_message_id) return ok(true);
    const message = editable(ctx);
    if (isResult(message)) return message;
    if (sameMarkup(message.reply_markup, ctx.params.reply_markup)) return badRequest(NOT_MODIFIED);
    return edited(ctx, message, {});
  },
  editMessageMedia: (ctx) => {
    if (ctx.params.inline_message_id) return ok(true);
    const message = editable(ctx);
    if (isResult(message)) return message;
    const media = ctx.params.media;
    if (!media || typeof media !== 'object') return badRequest('media not specified');
    const file = ctx.input('media', media.media);
    if (!file) return badRequest('wrong file identifier/HTTP URL specified');
    const problem =
      invalidCaption(media.caption, media.parse_mode) ??
      (media.type === 'photo' ? photoProblem(file) : documentProblem(file));
    if (problem) return problem;
    // Media replaces whatever the message held, text included (Bot API: "replace a text message with a media").
    const {
      photo: _photo,
      document: _document,
      caption: _caption,
      text: _text,
      entities: _entities,
      ...rest
    } = message;
    const content = media.type === 'photo' ? { photo: photoSizes(file) } : { document: documentOf(file) };
    return edited(ctx, rest as Message, {
      ...content,
      ...(typeof media.caption === 'string' && media.caption !== '' ? { caption: media.caption } : {}),
    });
  },
  deleteMessage: (ctx) => {
    const chat = targetChat(ctx);
    const key = `${chat?.id}:${Number(ctx.params.message_id)}`;
    if (chat && ctx.state.undeletable.has(key) && ctx.state.messages.has(key))
      return badRequest("message can't be deleted for everyone");
    if (!chat || !ctx.state.messages.delete(key)) return badRequest('message to delete not found');
    return ok(true);
  },
  // Bot API 7.0: missing messages are skipped; one that cannot be deleted (past 48 hours) refuses the whole call and
  // none goes, the all-or-nothing reading of a batch (the docs say only that deleteMessage's limits apply).
  deleteMessages: (ctx) => {
    const chat = targetChat(ctx);
    if (!chat) return badRequest('chat not found');
    const ids: unknown = ctx.params.message_ids;
    const invalid = invalidMessageIds(ids);
    if (invalid || !Array.isArray(ids)) return invalid ?? badRequest('message identifiers are not specified');
    const keys = ids.map((id) => `${chat.id}:${Number(id)}`);
    if (keys.some((key) => ctx.state.undeletable.has(key) && ctx.state.messages.has(key)))
      return badRequest("message can't be deleted");
    for (const key of keys) ctx.state.messages.delete(key);
    return ok(true);
  },
  answerCallbackQuery: (ctx) => {
    const id = String(ctx.params.callback_query_id ?? '');
    const invalid = invalidCallbackAnswer(ctx.params.text);
    if (invalid) return invalid;
    if (!ctx.state.openCallbackQueries.delete(id)) {
      return badRequest('query is too old and response timeout expired or query ID is invalid');
    }
    return ok(true);
  },

  setMyCommands: (ctx) => {
    const unknown = unknownScopeChat(ctx);
    if (unknown) return unknown;
    const commands = ctx.params.commands;
    const invalid = invalidCommandMenu(commands, ctx.params.language_code);
    if (invalid) return invalid;
    ctx.state.commands.set(commandsKey(ctx), commands);
    return ok(true);
  },
  getMyCommands: (ctx) => ok(ctx.state.commands.get(commandsKey(ctx)) ?? []),
  deleteMyCommands: (ctx) => {
    ctx.state.commands.delete(commandsKey(ctx));
    return ok(true);
  },

  getChat: (ctx) => {
    const chat = targetChat(ctx);
    return chat ? ok(chat) : badRequest('chat not found');
  },
  getChatMember: (ctx) => {
    const chat = targetChat(ctx);
    const userId = Number(ctx.params.user_id);
    const world = ctx.state.world;
    const user = [world.bot, ...Object.values(world.users)].find((candidate) => candidate.id === userId);
    if (!chat) return badRequest('chat not found');
    if (!user) return badRequest('PARTICIPANT_ID_INVALID');
    // In the group Alice is the creator and Bob a plain member, for admin-only checks.
    const status = chat.type === 'private' || user.id === world.users.alice.id ? 'creator' : 'member';
    return ok(status === 'creator' ? { status, user, is_anonymous: false } : { status, user });
  },

  getFile: (ctx) => {
    const file = ctx.state.files.get(String(ctx.params.file_id ?? ''));
    if (!file) return badRequest('invalid file_id');
    if (file.bytes.length > 20 * MB) return badRequest('file is too big');
    return ok({
      file_id: file.fileId,
      file_unique_id: file.fileUniqueId,
      file_size: file.bytes.length,
      file_path: file.filePath,
    });
  },
};

/** A menu's key: its scope type, the scope's chat (`chat@1001`) where it names one, and its language. */
export function commandsKey(ctx: { params: Params }): string {
  const scope = ctx.params.scope;
  const chat = scope?.chat_id === undefined ? '' : `@${scope.chat_id}`;
  return `${scope?.type ?? 'default'}${chat}:${ctx.params.language_code ?? ''}`;
}

/** A chat-scoped menu for a chat the bot does not know (a user who never started it): Telegram's 400. */
function unknownScopeChat(ctx: MethodContext): ApiResult | undefined {
  const chatId = ctx.params.scope?.chat_id;
  return chatId === undefined || ctx.state.chat(chatId) ? undefined : badRequest('chat not found');
}

/**
 * A method with the checks every Bot API method makes of its parameters first: a reply_markup's inline keyboard
 * (`invalidReplyMarkup`: callback_data bytes, button counts) on whatever method carries one.
 */
export function findMethod(name: string): Method | undefined {
  if (!Object.hasOwn(methods, name)) return undefined;
  const method = methods[name] as Method;
  return (ctx) => invalidReplyMarkup(ctx.params.reply_markup) ?? method(ctx);
}
