// The bot's questions (Edit, Remix, Custom zoom, Vary (Region)) as ForceReply messages under the result: the user's
// answer is a reply to the bot's message, which Telegram delivers in groups too (privacy mode), and names the job
// through the remembered question.
import type { Api } from 'grammy';
import type { ReplyAsk } from '../../commands/index.js';
import { type Locale, t } from '../../src/i18n.js';

/** Old questions are rarely answered: the most recent ones are kept. */
const KEPT = 1000;

export class TelegramQuestions {
  /** `<chatId>:<messageId>` → what was asked, about which job. */
  private readonly asked = new Map<string, Pick<ReplyAsk, 'kind' | 'jobId'>>();

  constructor(private readonly api: Api) {}

  /** Sends the question to `chatId`, replying to `source` (the result's message) when given. */
  async ask(chatId: number, source: number | undefined, locale: Locale, question: ReplyAsk): Promise<void> {
    const { kind, jobId, labelKey, value } = question;
    const label = t(locale, labelKey);
    // No field can be filled in here: a starting text (Remix's line) is shown as code, which a tap copies.
    const code = value
      ? { entities: [{ type: 'code' as const, offset: label.length + 2, length: value.length }] }
      : {};
    const sent = await this.api.sendMessage(chatId, value ? `${label}\n\n${value}` : label, {
      ...code,
      reply_markup: { force_reply: true, input_field_placeholder: label.slice(0, 64) },
      ...(source ? { reply_parameters: { message_id: source, allow_sending_without_reply: true } } : {}),
    });
    this.asked.set(`${chatId}:${sent.message_id}`, { kind, jobId });
    if (this.asked.size > KEPT) this.asked.delete(this.asked.keys().next().value as string);
  }

  /** What the bot's message `messageId` in `chatId` asked, if it is one of its remembered questions. */
  askedBy(chatId: number, messageId: number): Pick<ReplyAsk, 'kind' | 'jobId'> | undefined {
    return this.asked.get(`${chatId}:${messageId}`);
  }
}
