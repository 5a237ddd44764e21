import type { CallbackQuery, Chat, Message, Update, User } from 'grammy/types';
import { FailurePlan } from '../shared/failures.js';
import { closeServer, listenOnLoopback } from '../shared/http.js';
import { CallRecorder } from '../shared/recorder.js';
import { autoEntities, documentOf, photoSizes, privateChat, type TelegramWorld } from './builders.js';
import type { RegisterFileSpec, StoredFile } from './files.js';
import { createTelegramServer, type TelegramCall, type TelegramFailure } from './server.js';
import { TelegramState } from './state.js';

export type { TelegramWorld } from './builders.js';
export type { RegisterFileSpec, StoredFile } from './files.js';
export type { TelegramCall, TelegramUpload } from './server.js';

export interface FakeTelegramOptions {
  token?: string;
  /** Upper bound on how long one getUpdates waits, whatever timeout the bot asks for. Default 1000 ms. */
  maxLongPollMs?: number;
}

/** `'sendPhoto'` or a predicate over recorded calls. */
export type MethodMatcher = string | ((call: TelegramCall) => boolean);

/** Where a user message is posted: a private chat with its author (default) or the group. */
export interface Origin {
  from?: User;
  /** `'private'` (default) or `'group'`, or any chat object. */
  chat?: 'private' | 'group' | Chat;
  replyTo?: Message;
  /** A forum topic (`message_thread_id`) the message is posted in; its chat should be a forum supergroup. */
  thread?: number;
}

function toPredicate(matcher: MethodMatcher): (call: TelegramCall) => boolean {
  return typeof matcher === 'string' ? (call) => call.method === matcher : matcher;
}

function describeCall(call: TelegramCall): string {
  const files =
    call.files.length > 0 ? ` files=[${call.files.map((f) => `${f.param}:${f.bytes.length}B`)}]` : '';
  const outcome = call.error ? ` → ${call.status} ${call.error}` : ` → ${call.status}`;
  return `${call.method} ${JSON.stringify(call.params).slice(0, 160)}${files}${outcome}`;
}

function user(id: number, firstName: string, languageCode: string): User {
  return {
    id,
    is_bot: false,
    first_name: firstName,
    username: firstName.toLowerCase(),
    language_code: languageCode,
  };
}

/**
 * A local Bot API stand-in on 127.0.0.1 for a real grammY bot: `new Bot(fake.token, { client: { apiRoot:
 * fake.apiRoot } })`. Users act through `inject*`, the bot's requests land in `calls`, files are served at
 * `/file/bot<token>/<path>`, and failures (429, 400, network) are armed per method.
 */
export class FakeTelegram {
  readonly token: string;
  readonly world: TelegramWorld;
  readonly state: TelegramState;
  readonly recorder = new CallRecorder<TelegramCall>('fake-telegram', describeCall);
  readonly failures = new FailurePlan<TelegramCall, TelegramFailure>();
  readonly #server;
  #port = 0;
  #callbackCounter = 0;

  private constructor(options: FakeTelegramOptions) {
    this.token = options.token ?? '123456:fake-telegram-token';
    const botId = Number(this.token.split(':')[0]) || 123456;
    this.world = {
      bot: { id: botId, is_bot: true, first_name: 'DiMOO', username: 'dimoo_test_bot' },
      users: { alice: user(1001, 'Alice', 'en'), bob: user(1002, 'Bob', 'zh-hans') },
      group: { id: -100200300, type: 'group', title: 'Fake Group' },
    };
    this.state = new TelegramState(this.world, options.maxLongPollMs ?? 1000);
    this.#server = createTelegramServer({
      token: this.token,
      state: this.state,
      recorder: this.recorder,
      failures: this.failures,
    });
  }

  static async start(options: FakeTelegramOptions = {}): Promise<FakeTelegram> {
    const fake = new FakeTelegram(options);
    fake.#port = await listenOnLoopback(fake.#server);
    return fake;
  }

  /** For grammY's `client.apiRoot` (no trailing slash). */
  get apiRoot(): string {
    return `http://127.0.0.1:${this.#port}`;
  }
  /** Where downloads live; `https://api.telegram.org/file/bot<token>/…` in production. */
  fileUrl(filePath: string): string {
    return `${this.apiRoot}/file/bot${this.token}/${filePath}`;
  }

  get calls(): TelegramCall[] {
    return this.recorder.calls;
  }
  callsTo(matcher: MethodMatcher): TelegramCall[] {
    return this.calls.filter(toPredicate(matcher));
  }
  /** Waits for a call (already recorded ones count); on timeout the error lists every call seen. */
  waitForCall(matcher: MethodMatcher, timeoutMs = 5000): Promise<TelegramCall> {
    return this.recorder.waitForCall(toPredicate(matcher), timeoutMs);
  }
  waitForCalls(matcher: MethodMatcher, count: number, timeoutMs = 5000): Promise<TelegramCall[]> {
    return this.recorder.waitForCalls(toPredicate(matcher), count, timeoutMs);
  }

  /** Stores bytes under a file_id the bot can `getFile` and download. */
  registerFile(bytes: Buffer | Uint8Array, spec: RegisterFileSpec = {}): StoredFile {
    return this.state.files.register(bytes, spec);
  }

  /** The fake's current view of a message (after the bot's edits). */
  message(chatId: number, messageId: number): Message | undefined {
    return this.state.message(chatId, messageId);
  }

  /**
   * Menu registered with setMyCommands for a scope type and language (`''` = all languages); `chatId` for the scopes
   * that name a chat (`'chat'`: one user's private menu).
   */
  commands(languageCode = '', scopeType = 'default', chatId?: number) {
    const chat = chatId === undefined ? '' : `@${chatId}`;
    return this.state.commands.get(`${scopeType}${chat}:${languageCode}`);
  }

  #chat(origin: Origin, from: User): Chat {
    if (origin.chat === 'group') return this.world.group;
    if (origin.chat && typeof origin.chat === 'object') return origin.chat;
    return privateChat(from);
  }

  #userMessage(origin: Origin, fields: Partial<Message>): Message {
    const from = origin.from ?? this.world.users.alice;
    const chat = origin.replyTo?.chat ?? this.#chat(origin, from);
    const topic =
      origin.thread !== undefined
        ? { message_thread_id: origin.thread, is_topic_message: true as const }
        : {};
    const message = this.state.compose(chat, { from, ...topic, ...fields }, origin.replyTo);
    this.state.store(message);
    this.state.updates.push({ message } as Omit<Update, 'update_id'>);
    return message;
  }

  /** A user sends text; bot_command and @mention entities are added as Telegram does. */
  injectText(text: string, origin: Origin = {}): Message {
    const entities = autoEntities(text);
    return this.#userMessage(origin, { text, ...(entities.length > 0 ? { entities } : {}) });
  }

  /**
   * A user sends a photo (Telegram lists three sizes, largest last), optionally with a caption; photos of one
   * album share a `mediaGroupId` and arrive as separate updates, as on Telegram.
   */
  injectPhoto(file: StoredFile, origin: Origin & { caption?: string; mediaGroupId?: string } = {}): Message {
    const entities = origin.caption ? autoEntities(origin.caption) : [];
    return this.#userMessage(origin, {
      photo: photoSizes(file),
      ...(origin.mediaGroupId ? { media_group_id: origin.mediaGroupId } : {}),
      ...(origin.caption ? { caption: origin.caption } : {}),
      ...(entities.length > 0 ? { caption_entities: entities } : {}),
    });
  }

  /** A user sends a file as a document (uncompressed), optionally with a caption; `mediaGroupId` as for photos. */
  injectDocument(
    file: StoredFile,
    origin: Origin & { caption?: string; mediaGroupId?: string } = {},
  ): Message {
    const entities = origin.caption ? autoEntities(origin.caption) : [];
    return this.#userMessage(origin, {
      document: documentOf(file),
      ...(origin.mediaGroupId ? { media_group_id: origin.mediaGroupId } : {}),
      ...(origin.caption ? { caption: origin.caption } : {}),
      ...(entities.length > 0 ? { caption_entities: entities } : {}),
    });
  }

  /**
   * The author edits a message they sent: its text (or, for media, its caption) becomes `text`, with entities as
   * Telegram adds them and an `edit_date`; an `edited_message` update carries the whole message (its
   * `reply_to_message` too). Returns the edited message.
   */
  injectEdit(message: Message, text: string): Message {
    const current = this.state.message(message.chat.id, message.message_id) ?? message;
    const entities = autoEntities(text);
    const field = current.text === undefined ? 'caption' : 'text';
    const edited = {
      ...current,
      [field]: text,
      [field === 'text' ? 'entities' : 'caption_entities']: entities.length > 0 ? entities : undefined,
      edit_date: Math.floor(Date.now() / 1000),
    } as Message;
    this.state.store(edited);
    this.state.updates.push({ edited_message: edited } as Omit<Update, 'update_id'>);
    return edited;
  }

  /** A user presses an inline button on `message`; returns the query (answerCallbackQuery needs its id). */
  injectCallbackQuery(message: Message, data: string, from: User = this.world.users.alice): CallbackQuery {
    this.#callbackCounter += 1;
    const query: CallbackQuery = {
      id: `${Date.now()}${this.#callbackCounter}`,
      from,
      message: message as CallbackQuery['message'] & object,
      chat_instance: String(message.chat.id),
      data,
    };
    this.state.openCallbackQueries.add(query.id);
    this.state.updates.push({ callback_query: query });
    return query;
  }

  /** The update that carried `message` (or any update_id) delivered a second time, same update_id. */
  redeliver(updateId: number): void {
    this.state.updates.redeliver(updateId);
  }

  /** The update_id of the newest queued update (the one an inject just made). */
  get lastUpdateId(): number {
    return this.state.updates.lastId;
  }

  /** A user (or an admin) deletes a message: replies to it and edits of it fail from now on, as on Telegram. */
  deleteMessage(chatId: number, messageId: number): void {
    this.state.messages.delete(`${chatId}:${messageId}`);
  }

  /**
   * The message is now older than 48 hours, past which Telegram lets a bot delete it no more: deleteMessage answers
   * 400 "message can't be deleted for everyone", and a deleteMessages naming it deletes none of its messages.
   */
  ageMessage(chatId: number, messageId: number): void {
    this.state.undeletable.add(`${chatId}:${messageId}`);
  }

  /**
   * The next `times` edits of bot messages (text, caption, media, markup) are refused as Telegram refuses an edit
   * of a message that is gone.
   */
  refuseEdits(times = 1, description = 'Bad Request: message to edit not found'): void {
    this.failMethod((call) => /^editMessage(Text|Caption|Media|ReplyMarkup)$/.test(call.method), {
      times,
      errorCode: 400,
      description,
    });
  }

  /**
   * A group is upgraded to `supergroup` (an admin turned on topics, made it public, …): as on Telegram, the old group
   * says `migrate_to_chat_id` and the new one `migrate_from_chat_id` (service messages), and from now on every call
   * naming the old id is refused with 400 and the new id in `parameters.migrate_to_chat_id`.
   */
  upgradeGroup(groupId: number, supergroup: Chat.SupergroupChat): void {
    const old = this.state.chat(groupId) ?? this.world.group;
    this.state.chats.set(supergroup.id, supergroup);
    const service = (chat: Chat, fields: Partial<Message>) => {
      const message = this.state.compose(chat, { from: this.world.users.alice, ...fields });
      this.state.updates.push({ message } as Omit<Update, 'update_id'>);
    };
    service(old, { migrate_to_chat_id: supergroup.id });
    service(supergroup, { migrate_from_chat_id: groupId });
    this.state.migrated.set(groupId, supergroup.id);
  }

  /**
   * The bot is removed from `chatId` (`'kicked'`: an admin removed it from a group, or a user blocked it; `'left'`):
   * from now on every call naming the chat answers 403, and a `my_chat_member` update says so, delivered only if the
   * bot asked for that kind of update (`allowed_updates`), as on Telegram.
   */
  removeBot(chatId: number, status: 'kicked' | 'left' = 'kicked'): void {
    const chat = this.state.chat(chatId) ?? this.world.group;
    const kind =
      chat.type === 'private' ? 'bot was blocked by the user' : `bot was kicked from the ${chat.type} chat`;
    this.state.removedFrom.set(chatId, `Forbidden: ${kind}`);
    const allowed = this.state.allowedUpdates;
    if (allowed && !allowed.includes('my_chat_member')) return;
    const bot = this.world.bot;
    // Who did it: the user of a private chat, else an admin (Alice, the group's creator here).
    const from: User =
      chat.type === 'private'
        ? { id: chat.id, is_bot: false, first_name: chat.first_name }
        : this.world.users.alice;
    this.state.updates.push({
      my_chat_member: {
        chat,
        from,
        date: Math.floor(Date.now() / 1000),
        old_chat_member: { user: bot, status: 'member' },
        new_chat_member: status === 'kicked' ? { user: bot, status, until_date: 0 } : { user: bot, status },
      },
    });
  }

  /** Queues any update as is (malformed ones included); returns its update_id. */
  injectUpdate(update: Record<string, unknown>): number {
    return this.state.updates.push(update);
  }

  /** The next `times` calls of `method` answer 429 with `retry_after`, as Telegram's flood control does. */
  rateLimit(
    matcher: MethodMatcher,
    { times = 1, retryAfter = 1 }: { times?: number; retryAfter?: number } = {},
  ): void {
    this.failures.add(toPredicate(matcher), times, {
      kind: 'answer',
      status: 429,
      body: {
        ok: false,
        error_code: 429,
        description: `Too Many Requests: retry after ${retryAfter}`,
        parameters: { retry_after: retryAfter },
      },
    });
  }

  /** The next `times` calls of `method` fail with this error code and description (e.g. 400 PHOTO_INVALID_DIMENSIONS). */
  failMethod(
    matcher: MethodMatcher,
    { times = 1, errorCode = 400, description = 'Bad Request: injected failure' } = {},
  ): void {
    this.failures.add(toPredicate(matcher), times, {
      kind: 'answer',
      status: errorCode,
      body: { ok: false, error_code: errorCode, description },
    });
  }

  /**
   * The next `times` messages the bot sends to `chatId` (text, photo or document) fail as Telegram refuses them: by
   * default a user who never started the bot (403); also 403 "bot was blocked by the user", 400 "chat not found".
   */
  failSendsTo(
    chatId: number,
    {
      times = 1,
      errorCode = 403,
      description = "Forbidden: bot can't initiate conversation with a user",
    }: { times?: number; errorCode?: number; description?: string } = {},
  ): void {
    const sends = (call: TelegramCall) =>
      /^send(Message|Photo|Document)$/.test(call.method) && Number(call.params.chat_id) === chatId;
    this.failMethod(sends, { times, errorCode, description });
  }

  /** The next `times` matching requests (downloads too: `'downloadFile'`) are answered only after `ms`. */
  slowDown(matcher: MethodMatcher, ms: number, times = 1): void {
    this.failures.add(toPredicate(matcher), times, { kind: 'delay', ms });
  }

  /**
   * The next `times` matching requests are done at once (a message is sent, the call recorded) and answered only
   * after `ms`: a bot killed meanwhile sent it without knowing.
   */
  answerLate(matcher: MethodMatcher, ms: number, times = 1): void {
    this.failures.add(toPredicate(matcher), times, { kind: 'late', ms });
  }

  /** The next `times` matching requests (downloads too: `'downloadFile'`) lose their connection unanswered. */
  networkError(matcher: MethodMatcher, times = 1): void {
    this.failures.add(toPredicate(matcher), times, { kind: 'network' });
  }

  async stop(): Promise<void> {
    this.state.updates.close();
    await closeServer(this.#server);
  }
}

export function startFakeTelegram(options: FakeTelegramOptions = {}): Promise<FakeTelegram> {
  return FakeTelegram.start(options);
}
