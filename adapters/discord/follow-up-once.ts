// An interaction's follow-up message is a POST to its webhook, which takes no nonce (unlike a channel post,
// post-once.ts), and discord.js retries a POST whose answer was lost (a 5xx, a dropped connection) though Discord
// may have made the message the first time. A webhook message cannot be fetched back without its id, which is what
// the lost answer held; a public one is in its channel's history, though. So after a follow-up that starts a job,
// the channel's messages from the moments before it are read back once, and a copy made by the same interaction and
// carrying the same job's buttons (only a retried post makes one) is deleted: the job keeps one status message, the
// one discord.js answered with. An ephemeral follow-up is in no channel listing, and a channel the bot may not read
// (no Read Message History, a user-installed app's) lists nothing: there a retried post may still leave two.
import {
  type InteractionReplyOptions,
  type Message,
  MessageFlags,
  type RepliableInteraction,
  SnowflakeUtil,
} from 'discord.js';
import { parseButtonId } from '../../commands/index.js';

/** discord.js gives up on a request after its timeout (15 s) and 3 retries: a copy is no older than this. */
const RETRY_WINDOW_MS = 120_000;

/** `i.followUp(options)`, and for a public one that starts `jobId`, a copy a retried post made removed. */
export async function followUpOnce(
  i: RepliableInteraction,
  options: InteractionReplyOptions,
  jobId: string | undefined,
): Promise<Message> {
  const sent = await i.followUp(options);
  const ephemeral = options.flags === MessageFlags.Ephemeral;
  if (jobId && !ephemeral) await removeCopies(i, sent, jobId).catch(() => undefined);
  return sent;
}

async function removeCopies(i: RepliableInteraction, sent: Message, jobId: string): Promise<void> {
  const channel =
    i.client.channels.cache.get(sent.channelId) ??
    (await i.client.channels.fetch(sent.channelId).catch(() => null));
  if (!channel?.isTextBased()) return;
  // Both bounds are Discord's own snowflakes: nothing depends on this machine's clock.
  const earliest = SnowflakeUtil.timestampFrom(sent.id) - RETRY_WINDOW_MS;
  const after =
    SnowflakeUtil.timestampFrom(i.id) > earliest ? i.id : SnowflakeUtil.generate({ timestamp: earliest });
  const recent = await channel.messages.fetch({ after: String(after), limit: 100, cache: false });
  for (const message of recent.values()) {
    if (message.id === sent.id || message.interactionMetadata?.id !== i.id) continue;
    if (!carries(message, jobId)) continue;
    // Through the interaction's webhook, which made it: no Manage Messages needed.
    await i.deleteReply(message.id).catch(() => undefined);
  }
}

/** Whether a message's buttons act on `jobId` (every job's status message has its Cancel). */
function carries(message: Message, jobId: string): boolean {
  return message.components.some(
    (row) =>
      'components' in row &&
      row.components.some(
        (c) =>
          'customId' in c && typeof c.customId === 'string' && parseButtonId(c.customId)?.jobId === jobId,
      ),
  );
}
