// The bot's questions (Edit, Remix, Custom zoom, Vary (Region)) as ForceReply messages: the user's answer is a reply
// to the bot's message, which Telegram delivers in groups too (privacy mode), and names the job through the
// remembered question. In a group the question is for the one who pressed: `selective` opens the reply box only on
// their screen, and only their reply counts as the answer. A press that counts as its chat's (an anonymous admin's,
// senders.ts) is answered by a message on behalf of that chat, and its asker is not named: they chose not to be.
import type { Api } from 'grammy';
import type { Message, MessageEntity, User } from 'grammy/types';
import type { ReplyAsk } from '../../commands/index.js';
import { type Locale, t } from '../../src/i18n.js';
import { inTopic } from './send.js';
import { senderIdOf } from './sender-id.js';

/** Old questions are rarely answered: the most recent ones are kept. */
const KEPT = 1000;

/** A remembered question: what it asks, about which job, and whose answer it waits for (senders.ts `senderIdOf`). */
export type Asked = Pick<ReplyAsk, 'kind' | 'jobId'> & { userId: string };

/** Where a question goes and whom it asks. */
export interface QuestionTarget {
  chatId: number;
  /** The forum topic of the pressed message. */
  threadId?: number;
  /** The message whose button was pressed (a result), when Telegram still has it. */
  pressed?: Message;
  /** Who pressed, and whom the press counts as: the user's id, or their chat's. */
  asker: { user: User; id: string };
  group: boolean;
}

export class TelegramQuestions {
  /** `<chatId>:<messageId>` → what was asked, about which job, of whom. */
  private readonly asked = new Map<string, Asked>();

  constructor(private readonly api: Api) {}

  async ask(target: QuestionTarget, locale: Locale, question: ReplyAsk): Promise<void> {
    const { chatId, threadId, asker } = target;
    const { kind, jobId, labelKey, value } = question;
    const label = t(locale, labelKey);
    const { source, prefix, mention } = addressing(target);
    const text = `${prefix}${label}`;
    const entities: MessageEntity[] = mention ? [mention] : [];
    // No field can be filled in here: a starting text (Remix's line) is shown as code, which a tap copies.
    if (value) entities.push({ type: 'code', offset: text.length + 2, length: value.length });
    const sent = await this.api.sendMessage(chatId, value ? `${text}\n\n${value}` : text, {
      ...(entities.length > 0 ? { entities } : {}),
      reply_markup: { force_reply: true, selective: true, input_field_placeholder: label.slice(0, 64) },
      ...(source ? { reply_parameters: { message_id: source, allow_sending_without_reply: true } } : {}),
      ...inTopic(threadId),
    });
    this.asked.set(`${chatId}:${sent.message_id}`, { kind, jobId, userId: asker.id });
    if (this.asked.size > KEPT) this.asked.delete(this.asked.keys().next().value as string);
  }

  /** What the bot's message `messageId` in `chatId` asked, if it is one of its remembered questions. */
  askedBy(chatId: number, messageId: number): Asked | undefined {
    return this.asked.get(`${chatId}:${messageId}`);
  }
}

/**
 * How a question reaches its asker. `selective` shows the reply box to the sender of the message the question replies
 * to, or to users it mentions. The result's message is the bot's own, so in a group the question replies to the
 * asker's request the result answers when it is theirs (their own result), and otherwise names them. A private
 * chat has one user: the question stays under the result.
 */
function addressing({ pressed, asker, group }: QuestionTarget): {
  source?: number;
  prefix: string;
  mention?: MessageEntity;
} {
  if (!group) return { source: pressed?.message_id, prefix: '' };
  const request = pressed?.reply_to_message;
  // In a topic a message that replies to nothing "replies" to the topic's creation: that is no request.
  if (request && senderIdOf(request) === asker.id && !request.forum_topic_created)
    return { source: request.message_id, prefix: '' };
  if (asker.id !== String(asker.user.id)) return { source: pressed?.message_id, prefix: '' };
  const name = asker.user.first_name;
  return {
    source: pressed?.message_id,
    prefix: `${name}: `,
    mention: { type: 'text_mention', offset: 0, length: name.length, user: asker.user },
  };
}
