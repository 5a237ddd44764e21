// The bot's questions (Edit, Remix, Custom zoom, Vary (Region)) as ForceReply messages: the user's answer is a reply
// to the bot's message, which Telegram delivers in groups too (privacy mode), and names the job through the
// remembered question. In a group the question is for the one who pressed: `selective` opens the reply box only on
// their screen, and only their reply counts as the answer. A press that counts as its chat's (an anonymous admin's,
// senders.ts) is answered by a message on behalf of that chat, and its asker is not named: they chose not to be.
// Questions are kept in the job store (src/jobs/questions.ts), so an answer after a restart is answered as before it.
// A reply to one of the bot's questions that is no longer kept (one of the oldest, or asked before questions were
// kept) is known by its words, and told that the question expired rather than met with silence. A line to change
// goes with the question when both fit one message, else in a message of its own just before it; one longer than a
// Telegram message cannot come back as an answer (the user's apps would send it in several, the first cut short and
// run as it is), so no question is asked: the user gets the line whole as a file, and what to do instead.
import { type Api, InputFile } from 'grammy';
import type { Message, MessageEntity, User } from 'grammy/types';
import { ASK_KINDS, type ReplyAsk, shortText } from '../../commands/index.js';
import { allCatalogs, type Locale, t } from '../../src/i18n.js';
import type { QuestionLog } from '../../src/jobs/index.js';
import { CAPTION_LIMIT, TEXT_LIMIT } from './render.js';
import { inTopic } from './send.js';
import { senderIdOf } from './sender-id.js';

/** Old questions are rarely answered: the most recent ones are kept. */
const KEPT = 1000;

/** Every question's words, in every language: the first line of a question, after its asker's name if any. */
const LABELS: ReadonlySet<string> = new Set(
  Object.values(allCatalogs()).flatMap((catalog) =>
    Object.entries(catalog)
      .filter(([key]) => /^ask\.\w+\.label$/.test(key))
      .map(([, label]) => label),
  ),
);

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
  constructor(
    private readonly api: Api,
    /** What was asked, about which job, of whom, by `telegram:<chatId>:<messageId>`. */
    private readonly kept: Pick<QuestionLog, 'remember' | 'at'>,
  ) {}

  async ask(target: QuestionTarget, locale: Locale, question: ReplyAsk): Promise<void> {
    const { chatId, threadId, asker } = target;
    const { kind, jobId, labelKey, value } = question;
    const label = t(locale, labelKey);
    const { source, prefix, mention } = addressing(target);
    const around = {
      ...(source ? { reply_parameters: { message_id: source, allow_sending_without_reply: true } } : {}),
      ...inTopic(threadId),
    };
    if (value && value.length > TEXT_LIMIT) return this.tooLong(target, locale, value, around);
    const text = `${prefix}${label}`;
    const entities: MessageEntity[] = mention ? [mention] : [];
    // No field can be filled in here: a starting text (Remix's line) is shown as code, which a tap copies. With the
    // question when both fit one message; else alone, just before it.
    const together = value !== undefined && `${text}\n\n${value}`.length <= TEXT_LIMIT;
    if (value && together) entities.push({ type: 'code', offset: text.length + 2, length: value.length });
    else if (value)
      await this.api.sendMessage(chatId, value, {
        entities: [{ type: 'code', offset: 0, length: value.length }],
        ...around,
      });
    const sent = await this.api.sendMessage(chatId, value && together ? `${text}\n\n${value}` : text, {
      ...(entities.length > 0 ? { entities } : {}),
      reply_markup: { force_reply: true, selective: true, input_field_placeholder: shortText(label, 64) },
      ...around,
    });
    this.kept.remember(placeOf(chatId, sent.message_id), { kind, jobId, userId: asker.id }, KEPT);
  }

  /**
   * A line no answer could hold: nothing is asked (an answer would come cut short); the line comes whole as a file,
   * with why and what to do instead.
   */
  private async tooLong(target: QuestionTarget, locale: Locale, line: string, around: object): Promise<void> {
    const { prefix, mention } = addressing(target);
    const why = t(locale, 'ask.line_too_long', { length: line.length, limit: TEXT_LIMIT });
    await this.api.sendDocument(target.chatId, new InputFile(Buffer.from(line, 'utf8'), 'line.txt'), {
      caption: shortText(`${prefix}${why}`, CAPTION_LIMIT),
      ...(mention ? { caption_entities: [mention] } : {}),
      ...around,
    });
  }

  /**
   * What `message`, a reply to the bot's message `replied`, is: the answer to the question `replied` asked, when it
   * comes from the one asked; a reply to a question of the bot's no longer kept (`'expired'`); or neither (undefined):
   * an ordinary message, as is someone else's reply to a question.
   */
  replyTo(replied: Message, message: Message, botId: number): Asked | 'expired' | undefined {
    if (replied.from?.id !== botId) return undefined;
    const asked = this.kept.at(placeOf(replied.chat.id, replied.message_id));
    if (asked) {
      if (asked.userId !== senderIdOf(message)) return undefined;
      // A kind this version does not ask any more is a question it can no longer answer.
      const kind = ASK_KINDS.find((known) => known === asked.kind);
      return kind ? { kind, jobId: asked.jobId, userId: asked.userId } : 'expired';
    }
    return isQuestion(replied, message) ? 'expired' : undefined;
  }
}

function placeOf(chatId: number, messageId: number): string {
  return `telegram:${chatId}:${messageId}`;
}

/**
 * Whether the bot's message `replied` reads as one of its questions, not someone else's: its first line is a
 * question's words, after the name of the one it asked when it names them, and `message` comes from them.
 */
function isQuestion(replied: Message, message: Message): boolean {
  const [line = ''] = (replied.text ?? '').split('\n');
  const named = replied.entities?.find((e) => e.type === 'text_mention' && e.offset === 0);
  if (named?.type === 'text_mention' && named.user.id !== message.from?.id) return false;
  const label = named ? line.slice(named.length).replace(/^: /, '') : line;
  return LABELS.has(label);
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
