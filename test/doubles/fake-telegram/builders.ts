import type { Chat, Document, Message, MessageEntity, PhotoSize, User } from 'grammy/types';
import type { StoredFile } from './files.js';

export interface TelegramWorld {
  bot: User & { is_bot: true; username: string };
  users: { alice: User; bob: User };
  group: Chat.GroupChat;
}

export function privateChat(user: User): Chat.PrivateChat {
  return {
    id: user.id,
    type: 'private',
    first_name: user.first_name,
    ...(user.username ? { username: user.username } : {}),
  };
}

/** Entities Telegram attaches by itself: the leading bot command and @mentions. */
export function autoEntities(text: string): MessageEntity[] {
  const entities: MessageEntity[] = [];
  const command = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(text);
  if (command) entities.push({ type: 'bot_command', offset: 0, length: command[0].length });
  for (const match of text.matchAll(/(^|\s)(@[A-Za-z0-9_]{3,})/g)) {
    const offset = (match.index ?? 0) + (match[1]?.length ?? 0);
    if (command && offset === 0) continue;
    entities.push({ type: 'mention', offset, length: match[2]?.length ?? 0 });
  }
  return entities;
}

/** The sizes Telegram would list for a photo, smallest first; all point at the same stored bytes here. */
export function photoSizes(file: StoredFile): PhotoSize[] {
  const scale = (factor: number): PhotoSize => ({
    file_id: factor === 1 ? file.fileId : `${file.fileId}_s${factor}`,
    file_unique_id: `${file.fileUniqueId}${factor === 1 ? '' : `_s${factor}`}`,
    width: Math.max(1, Math.round(file.width / factor)),
    height: Math.max(1, Math.round(file.height / factor)),
    file_size: Math.max(1, Math.round(file.bytes.length / (factor * factor))),
  });
  return [scale(4), scale(2), scale(1)];
}

export function documentOf(file: StoredFile): Document {
  return {
    file_id: file.fileId,
    file_unique_id: file.fileUniqueId,
    file_name: file.filePath.split('/').pop() ?? 'file',
    mime_type: file.mimeType,
    file_size: file.bytes.length,
  };
}

export function withoutNested(message: Message): Message {
  // Telegram never nests reply_to_message more than one level deep.
  const { reply_to_message: _ignored, ...rest } = message as Message & { reply_to_message?: unknown };
  return rest as Message;
}
