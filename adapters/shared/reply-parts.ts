// A reply longer than one chat message, as the messages to send in order, split between its lines. Cut, the end of a
// /help or a /queue would be lost, and with it an undelivered answer that /queue counts as delivered. Each platform
// gives its limit and how it measures a line (Discord and Telegram both count UTF-16 units).
import type { Reply, ReplyText } from '../../commands/index.js';

/**
 * `reply` as its messages: the first is the reply with the lines that fit (its images, buttons and job), the others
 * its further lines alone (as private as it). Lines are joined by one newline, which counts 1 toward `limit`. A
 * line longer than a message on its own is a message alone (the platform cuts it), the lines around it whole. A
 * job's status message stays one message: every later event edits it in place, and the platform cuts it.
 */
export function replyParts(
  reply: Reply,
  limit: number,
  measure: (line: ReplyText) => number,
): [Reply, ...Reply[]] {
  if (reply.startsJob || reply.etaAt !== undefined) return [reply];
  const [first, ...rest] = linesWithin(reply.text, limit, measure);
  if (!first || rest.length === 0) return [reply];
  const shown = reply.ephemeral === undefined ? {} : { ephemeral: reply.ephemeral };
  return [{ ...reply, text: first }, ...rest.map((text) => ({ text, ...shown }))];
}

/** `lines` in order, grouped so that each group joined by newlines measures at most `limit`. */
function linesWithin<T>(lines: readonly T[], limit: number, measure: (line: T) => number): T[][] {
  const groups: T[][] = [];
  let used = 0;
  for (const line of lines) {
    const length = measure(line);
    const group = groups.at(-1);
    if (group && used + 1 + length <= limit) {
      group.push(line);
      used += 1 + length;
    } else {
      groups.push([line]);
      used = length;
    }
  }
  return groups;
}
