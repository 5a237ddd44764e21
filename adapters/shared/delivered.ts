// A reply's lines may hand over undelivered endings (`ReplyText.delivers`: an answer /queue lists) or tell of them
// (`tells`: the notice), and its images may be an undelivered result (`Reply.delivers`: the file a /queue line's
// button fetches). They count only once the message holding them was sent, so every adapter sends each message of a
// reply through `sendPart`: after the platform took it, never before, and not at all when it refused it (those
// endings are listed again at the next /queue).
import type { CommandContext, Commands, Reply } from '../../commands/index.js';

/** Reports one sent message of a reply (its lines, and the jobs its images deliver) to the commands. */
export type PartSent = (part: Reply) => void;

/**
 * The `PartSent` of one event's replies: the lines of each message sent for `ctx`, and the jobs it delivers, go to
 * `Commands.delivered`.
 */
export function partSent(commands: Pick<Commands, 'delivered'>, ctx: CommandContext): PartSent {
  return (part) => {
    const lines = part.text.filter((line) => line.delivers !== undefined || line.tells !== undefined);
    const jobs = part.delivers ?? [];
    if (lines.length > 0 || jobs.length > 0) commands.delivered(ctx, lines, jobs);
  };
}

/** Sends one message of a reply with `send`, then reports it sent: only once the platform took it. */
export async function sendPart<T>(part: Reply, sent: PartSent, send: () => Promise<T>): Promise<T> {
  const result = await send();
  sent(part);
  return result;
}
