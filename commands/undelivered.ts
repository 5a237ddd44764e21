// Endings that reached nobody (the status message and the fallback reply both failed) are told to their owner, and
// handed over by /queue. Either counts only once the message saying it was sent: the lines name their jobs
// (`ReplyText.delivers`, `tells`) and the adapter reports each message it sent (`handOver`, via `Commands.delivered`).
import { ownerKey } from '../src/jobs/index.js';
import type { CommandContext } from './context.js';
import type { CommandDeps } from './deps.js';
import type { Reply, ReplyText } from './reply.js';

/**
 * Appends "N of your finished jobs could not be delivered" to the first reply a user gets after an ending reached
 * nobody; each such job is mentioned once this way (and stays in /queue). Told once the reply was sent: a reply
 * the platform refused, or one whose text is never shown (a deleted message, an asked question), leaves the notice
 * for the next.
 */
export function withUndeliveredNotice(
  deps: Pick<CommandDeps, 'store'>,
  ctx: CommandContext,
  reply: Reply,
): Reply {
  const untold = deps.store.deliveries.undeliveredOf(ctx.user, true);
  if (untold.length === 0) return reply;
  return {
    ...reply,
    text: [
      ...reply.text,
      { key: 'job.undelivered_notice', params: { count: untold.length }, tells: untold.map((job) => job.id) },
    ],
  };
}

/**
 * A message holding `lines` reached the user: the endings they deliver are delivered (no longer listed), those
 * they tell of are told (no longer announced), and `jobs` (whose files it carried) are delivered. Only the user's
 * own jobs are touched.
 */
export function handOver(
  deps: Pick<CommandDeps, 'store'>,
  ctx: CommandContext,
  lines: readonly ReplyText[],
  jobs: readonly string[] = [],
): void {
  const { store } = deps;
  const mine = (id: string) => {
    const owner = store.get(id)?.owner;
    return owner !== undefined && ownerKey(owner) === ownerKey(ctx.user);
  };
  for (const line of lines) {
    if (line.delivers !== undefined && mine(line.delivers)) store.deliveries.clear(line.delivers);
    const told = (line.tells ?? []).filter(mine);
    if (told.length > 0) store.deliveries.markTold(told);
  }
  for (const id of jobs.filter(mine)) store.deliveries.clear(id);
}
