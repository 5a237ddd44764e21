// A job's first reply becomes its status message: an interaction's answer, a pick's follow-up (answer.ts), a reply
// to a mention (mentions.ts). When that reply is refused (an acknowledgement Discord took though its answer was lost
// counts as sent, acknowledgement.ts; a post or edit whose answer stayed lost after the retries may be showing and
// keeps its jobs, post-retries.ts), Discord refused it for good: a malformed message (50035), a missing permission
// (50013), a channel gone (10003).
// The job then has nowhere to report, and would spend the GPU on a result nobody sees: every job that reply started
// is withdrawn (`Commands.withdraw`: a waiting one never runs, a running one is aborted), so the "try again" its
// owner is told, where anything can be told, is true and a second try does not run twice.
import type { CommandContext, Reply } from '../../commands/index.js';
import type { DiscordRuntime } from './runtime.js';

/** The jobs a reply started: its own, and those its further replies (a permutation's) would have carried. */
export function jobsStartedBy(reply: Reply): string[] {
  return [reply, ...(reply.more ?? [])].flatMap((one) => (one.startsJob && one.jobId ? [one.jobId] : []));
}

/** The first reply `reply` could not be sent: the jobs it started reach no one and are withdrawn. */
export function withdrawUnsent(
  rt: Pick<DiscordRuntime, 'commands'>,
  ctx: CommandContext,
  reply: Reply,
): void {
  const jobs = jobsStartedBy(reply);
  if (jobs.length > 0) rt.commands.withdraw(ctx, jobs);
}
