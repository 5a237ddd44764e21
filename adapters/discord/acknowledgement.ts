// Discord refuses a second acknowledgement of an interaction with 40060. This bot acknowledges each interaction
// once, so a 40060 means the first try was taken and only its answer was lost on the way back (a 5xx from a proxy,
// a dropped connection, then discord.js's retry): the interaction is answered, and what was sent is its
// `@original`. discord.js retries a 5xx itself, but not a connection closed before the answer: that one is
// retried here, once, which tells which it was.
import { DiscordAPIError, HTTPError } from 'discord.js';

/** The error a retried acknowledgement meets when Discord had taken the first try. */
export function alreadyAcknowledged(error: unknown): boolean {
  return error instanceof DiscordAPIError && error.code === 40060;
}

/** The request may or may not have reached Discord: the connection failed before an answer came. */
export function lostOnTheWay(error: unknown): boolean {
  if (error instanceof DiscordAPIError || error instanceof HTTPError || !(error instanceof Error))
    return false;
  const code = (error as { code?: unknown }).code;
  return (
    error.name === 'SocketError' ||
    (typeof code === 'string' && /^(UND_ERR_SOCKET|ECONNRESET|EPIPE)$/.test(code))
  );
}

/**
 * Sends an acknowledgement (a reply, a deferral, an update). One Discord had already taken counts as sent:
 * undefined comes back, and `i` is marked as discord.js marks it after a success it saw, so that `editReply`,
 * `followUp` and `fetchReply` work on it.
 */
export async function acknowledge<T>(
  i: { replied: boolean; deferred: boolean },
  as: 'replied' | 'deferred',
  send: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await send().catch((error: unknown) => {
      if (lostOnTheWay(error)) return send();
      throw error;
    });
  } catch (error) {
    if (!alreadyAcknowledged(error)) throw error;
    if (as === 'replied') i.replied = true;
    else i.deferred = true;
    return undefined;
  }
}
