// Endings that reached nobody (the status message and the fallback reply both failed) are told to their owner.
import type { CommandContext } from './context.js';
import type { CommandDeps } from './deps.js';
import type { Reply } from './reply.js';

/**
 * Appends "N of your finished jobs could not be delivered" to the first reply a user gets after an ending reached
 * nobody; each such job is mentioned once this way (and stays in /queue).
 */
export function withUndeliveredNotice(
  deps: Pick<CommandDeps, 'store'>,
  ctx: CommandContext,
  reply: Reply,
): Reply {
  const untold = deps.store.deliveries.undeliveredOf(ctx.user, true);
  if (untold.length === 0) return reply;
  deps.store.deliveries.markTold(untold.map((job) => job.id));
  return {
    ...reply,
    text: [...reply.text, { key: 'job.undelivered_notice', params: { count: untold.length } }],
  };
}
