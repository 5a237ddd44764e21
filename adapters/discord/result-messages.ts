// Every message a job's result was shown in, beside its status message: the ending posted as a new message (the
// result under a "result is below" status, a private copy in DMs), the rest of a first reply too long for one
// message, a grid image taken on its own (a finished job answered at once, with no ending to come), a file fetched
// from /queue (an undelivered result sent later). Each is stored with the job's place as soon as Discord took it, so
// that Delete on any message of the result removes them all, after a restart too. Deleting is best effort, each
// message on its own: one already gone (a moderator deleted it) or refused (the bot lost the channel) keeps none of
// the others back.
import { type Client, DiscordAPIError } from 'discord.js';
import type { DeliveryLog } from '../../src/jobs/index.js';
import type { Logger } from '../../src/log.js';

/** Where the messages are stored, beside the place (the key of the first ones recorded, the ending's). */
const SHOWN = 'ending';

export interface PostedMessage {
  channelId: string;
  messageId: string;
}

/** The messages recorded with a stored place, in the order they were sent. */
export function shownMessagesOf(stored: Record<string, unknown> | undefined): PostedMessage[] {
  const list = stored?.[SHOWN];
  if (!Array.isArray(list)) return [];
  return list.flatMap((entry: unknown) => {
    const { channelId, messageId } = (entry ?? {}) as Partial<Record<keyof PostedMessage, unknown>>;
    return typeof channelId === 'string' && typeof messageId === 'string' ? [{ channelId, messageId }] : [];
  });
}

/**
 * Records `message` as showing `jobId`'s result. `place` is what to store when the job has no record yet (a job whose
 * status message was never stored starts one with it; a grid pick or a /queue file has none). Recording never fails
 * the message: a store that refuses costs its Delete, and a log line.
 */
export function recordShown(
  { deliveries, log }: { deliveries: Pick<DeliveryLog, 'placeOf' | 'remember'>; log: Logger },
  jobId: string,
  message: { channelId: string; id: string },
  place: object = {},
): void {
  try {
    const stored = deliveries.placeOf(jobId) ?? { ...place };
    const shown = shownMessagesOf(stored);
    if (shown.some((m) => m.messageId === message.id)) return;
    deliveries.remember(jobId, {
      ...stored,
      [SHOWN]: [...shown, { channelId: message.channelId, messageId: message.id }],
    });
  } catch (error) {
    log.warn({ err: error, jobId }, 'a message of a discord result could not be recorded');
  }
}

/** Unknown Message, Unknown Channel: the message is gone already, which is what Delete asked for. */
const GONE = new Set([10008, 10003]);

/**
 * Deletes `messages` of `jobId`'s result, all at once: discord.js holds each while its route is rate limited (429)
 * and sends it after, so a limit delays, and one message that cannot go (gone, refused, a 5xx after the retries)
 * is logged, never thrown. The bot may delete its own messages at any age, in a channel or a DM.
 */
export async function deleteShown(
  { client, log }: { client: Client; log: Logger },
  jobId: string,
  messages: readonly PostedMessage[],
): Promise<void> {
  const unique = [...new Map(messages.map((m) => [m.messageId, m])).values()];
  await Promise.all(
    unique.map(async ({ channelId, messageId }) => {
      try {
        const channel = await client.channels.fetch(channelId);
        if (channel?.isTextBased()) await channel.messages.delete(messageId);
      } catch (error) {
        if (error instanceof DiscordAPIError && GONE.has(Number(error.code))) return;
        log.warn(
          { err: error, jobId, messageId },
          'discord: a message of a deleted result could not be removed',
        );
      }
    }),
  );
}
