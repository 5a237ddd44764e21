import type { BotCommand, Chat, Message } from 'grammy/types';
import { privateChat, type TelegramWorld, withoutNested } from './builders.js';
import { FileStore } from './files.js';
import { UpdateQueue } from './updates.js';

/** Everything the fake Bot API remembers: chats, messages per chat, files, updates, commands, callbacks. */
export class TelegramState {
  readonly files = new FileStore();
  readonly updates: UpdateQueue;
  readonly chats = new Map<number, Chat>();
  /** `${chatId}:${messageId}` → latest version of the message. */
  readonly messages = new Map<string, Message>();
  /** `${scopeType}:${languageCode}` (`chat@<id>:…` for a chat's scope) → the menu registered with setMyCommands. */
  readonly commands = new Map<string, BotCommand[]>();
  readonly openCallbackQueries = new Set<string>();
  /** `${chatId}:${messageId}` of messages past the 48 hours in which the bot may delete them (`ageMessage`). */
  readonly undeletable = new Set<string>();
  /** Groups upgraded to supergroups: the old chat id → the new one. */
  readonly migrated = new Map<number, number>();
  /** Chats the bot was removed from (or blocked in): chat id → Telegram's 403 description. */
  readonly removedFrom = new Map<number, string>();
  /** Forum topics seen (`${chatId}:${threadId}`): a message sent with message_thread_id must name one of them. */
  readonly topics = new Set<string>();
  /** The update kinds the bot asked for last (getUpdates or setWebhook `allowed_updates`); undefined: not said. */
  allowedUpdates?: string[];
  #messageIds = new Map<number, number>();

  constructor(
    readonly world: TelegramWorld,
    maxLongPollMs: number,
  ) {
    this.updates = new UpdateQueue(maxLongPollMs);
    for (const user of Object.values(world.users)) this.chats.set(user.id, privateChat(user));
    this.chats.set(world.group.id, world.group);
  }

  chat(chatId: unknown): Chat | undefined {
    const id = typeof chatId === 'string' && /^-?\d+$/.test(chatId) ? Number(chatId) : chatId;
    return typeof id === 'number' ? this.chats.get(id) : undefined;
  }

  nextMessageId(chatId: number): number {
    const next = (this.#messageIds.get(chatId) ?? 0) + 1;
    this.#messageIds.set(chatId, next);
    return next;
  }

  message(chatId: number, messageId: number): Message | undefined {
    return this.messages.get(`${chatId}:${messageId}`);
  }

  /** A forum topic of `chatId` that some message was posted in (its creation message has the topic's id). */
  topicExists(chatId: number, threadId: number): boolean {
    return this.topics.has(`${chatId}:${threadId}`) || this.messages.has(`${chatId}:${threadId}`);
  }

  store(message: Message): Message {
    this.chats.set(message.chat.id, message.chat);
    if (message.is_topic_message && message.message_thread_id !== undefined)
      this.topics.add(`${message.chat.id}:${message.message_thread_id}`);
    this.messages.set(`${message.chat.id}:${message.message_id}`, message);
    return message;
  }

  /** A new message in `chat` with the next id; `replyTo` becomes a one-level `reply_to_message`. */
  compose(chat: Chat, fields: Partial<Message> & { from?: Message['from'] }, replyTo?: Message): Message {
    return {
      message_id: this.nextMessageId(chat.id),
      date: Math.floor(Date.now() / 1000),
      chat,
      ...(replyTo ? { reply_to_message: withoutNested(replyTo) } : {}),
      ...fields,
    } as Message;
  }
}
