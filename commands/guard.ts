// The error boundary around every operation: a user's mistake, a bad image or a full disk becomes one localized
// sentence, anything else a generic one (and a log line), so an adapter never sees a thrown error from a command.
import { EngineError } from '../engine/index.js';
import { isDiskFull, ownerKey, StoredFileLost } from '../src/jobs/index.js';
import type { CommandContext } from './context.js';
import type { CommandDeps } from './deps.js';
import { UserInputError } from './errors.js';
import { type Reply, textReply } from './reply.js';

export async function guard<T extends Reply | undefined>(
  deps: Pick<CommandDeps, 'log'>,
  ctx: CommandContext,
  work: () => Promise<T>,
): Promise<T | Reply> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof UserInputError) return textReply(error.key, error.params);
    if (error instanceof EngineError) return textReply(`errors.engine.${error.code}`, error.params);
    // A follow-up of a result whose file was removed by hand or cut short: said as a deleted or damaged job.
    if (error instanceof StoredFileLost) return textReply(error.key);
    if (isDiskFull(error)) {
      // Said to the admins once here, as the queue does for a job it cannot store.
      deps.log?.('error', 'disk full: command could not store its work', { user: ownerKey(ctx.user) });
      return textReply('errors.disk_full');
    }
    deps.log?.('error', 'command failed', {
      user: ownerKey(ctx.user),
      error: error instanceof Error ? error.message : String(error),
    });
    return textReply('errors.generic');
  }
}
