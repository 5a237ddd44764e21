// Which messages show a job's result, kept beside its place in the delivery log so that its Delete button removes
// every one of them (result-deletion.ts), after a restart too: the messages its ending was sent as (job-messages.ts),
// and those that carry it outside its ending (replies.ts): a grid's pick, which is a finished result of its own with
// no status message, and a result's file fetched later (Original file, a /queue line's button). Not in TelegramPlace,
// which a handover (edits.ts) gives to the job replacing it, and which must not bring the old job's messages along.

/** A message the bot sent. */
export interface SentMessage {
  chatId: number;
  messageId: number;
}

/**
 * Where the messages are stored. A number is a message in the place's chat (as records were written before messages
 * of other chats were kept); a message of another chat, or of a job without a place (a pick), names its chat.
 */
const ENDING = 'ending';

/** The messages stored in `stored` (a job's record in the delivery log) as showing its result. */
export function resultMessages(stored: Record<string, unknown> | undefined): SentMessage[] {
  const entries = stored?.[ENDING];
  if (!Array.isArray(entries)) return [];
  const placeChat = stored?.chatId;
  return entries.flatMap((entry: unknown): SentMessage[] => {
    if (typeof entry === 'number')
      return typeof placeChat === 'number' ? [{ chatId: placeChat, messageId: entry }] : [];
    const { chatId, messageId } = (entry ?? {}) as Partial<SentMessage>;
    return typeof chatId === 'number' && typeof messageId === 'number' ? [{ chatId, messageId }] : [];
  });
}

/** `stored` with `message` added to its result's messages; undefined when it is there already. */
export function withResultMessage(
  stored: Record<string, unknown> | undefined,
  message: SentMessage,
): Record<string, unknown> | undefined {
  const known = resultMessages(stored);
  if (known.some((m) => m.chatId === message.chatId && m.messageId === message.messageId)) return undefined;
  const entries = Array.isArray(stored?.[ENDING]) ? (stored?.[ENDING] as unknown[]) : [];
  const entry = stored?.chatId === message.chatId ? message.messageId : { ...message };
  return { ...stored, [ENDING]: [...entries, entry] };
}
