// The error boundary around every operation: a user's mistake, a bad image or a full disk becomes one localized
// sentence, anything else a generic one (and a log line), so an adapter never sees a thrown error from a command.
// An error thrown once the request had queued jobs says so (`Reply.admitted`): it is no refusal to send again.
import { EngineError } from '../engine/index.js';
import { isFullAt, type JobStore, ownerKey, StoredFileLost } from '../src/jobs/index.js';
import type { CommandContext } from './context.js';
import type { CommandDeps } from './deps.js';
import { UserInputError } from './errors.js';
import { type Reply, type ReplyAdmitted, type ReplyText, textReply } from './reply.js';

/** An error thrown after the request's queue had admitted jobs (or may have): said as `error` is, with them named. */
export class ThrownAfterAdmission extends Error {
  constructor(
    readonly error: unknown,
    readonly admitted: ReplyAdmitted,
  ) {
    super('failed after the queue admitted jobs', { cause: error });
  }
}

/** `error`, known to come after `jobs` were queued; what it knew of the queue already is kept. */
export function afterAdmission(error: unknown, jobs: readonly string[]): ThrownAfterAdmission {
  if (!(error instanceof ThrownAfterAdmission)) return new ThrownAfterAdmission(error, { jobs });
  const { admitted } = error;
  return new ThrownAfterAdmission(error.error, { ...admitted, jobs: [...jobs, ...admitted.jobs] });
}

/** What the error boundary reads: the log, and DATA_DIR (whose free space tells a full disk SQLite calls an I/O error). */
type GuardDeps = Pick<CommandDeps, 'log'> & { store: Pick<JobStore, 'dataDir'> };

export async function guard<T extends Reply | undefined>(
  deps: GuardDeps,
  ctx: CommandContext,
  work: () => Promise<T>,
): Promise<T | Reply> {
  try {
    return await work();
  } catch (thrown) {
    if (!(thrown instanceof ThrownAfterAdmission)) return errorReply(deps, ctx, thrown);
    const reply = errorReply(deps, ctx, thrown.error);
    return { ...reply, text: [...reply.text, ...admittedLines(thrown.admitted)], admitted: thrown.admitted };
  }
}

function errorReply(deps: GuardDeps, ctx: CommandContext, error: unknown): Reply {
  if (error instanceof UserInputError) return textReply(error.key, error.params);
  if (error instanceof EngineError) return textReply(`errors.engine.${error.code}`, error.params);
  // A follow-up of a result whose file was removed by hand or cut short: said as a deleted or damaged job.
  if (error instanceof StoredFileLost) return textReply(error.key);
  // DATA_DIR's disk: SQLite may word a full disk as an I/O error, told apart only by the space left there.
  if (isFullAt(error, deps.store.dataDir)) {
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

/**
 * What was queued all the same, in words every platform shows: a user told only "try again" would send the request
 * again and have its jobs twice.
 */
function admittedLines(admitted: ReplyAdmitted): ReplyText[] {
  return [
    ...(admitted.jobs.length > 0
      ? [
          {
            key: 'job.queued_before_error',
            params: { ids: admitted.jobs.map((id) => id.slice(0, 8)).join(', ') },
          },
        ]
      : []),
    ...(admitted.unsure ? [{ key: 'job.maybe_queued' }] : []),
  ];
}
