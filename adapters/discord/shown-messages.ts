// Which jobs' results a message of an answer shows, besides the status message a job's first reply becomes: those
// messages are recorded (result-messages.ts) so that Delete on the result removes them too. An ephemeral message is
// left out: the channel endpoint cannot reach it (10008), and only the user who got it sees it, and may dismiss it.
import type { Message } from 'discord.js';
import type { Reply } from '../../commands/index.js';
import type { DiscordRuntime } from './runtime.js';

/**
 * The jobs whose result message `index` of a reply shows, `first` being its first message (the part that keeps the
 * reply's job, files and buttons): every message of a finished job's result answered at once (a grid image taken on
 * its own), those after a started job's status message (the rest of its long first reply), and the jobs whose
 * files the reply hands over (a /queue file, `Reply.delivers`, only on a reply that carried them all).
 */
export function jobsShownIn(first: Reply, index: number): string[] {
  const { jobId } = first;
  const own = jobId !== undefined && (first.final === true || (first.startsJob === true && index > 0));
  return [...new Set([...(own ? [jobId] : []), ...(first.delivers ?? [])])];
}

/** Records message `index` of the reply whose first message is `first`, once sent, under the jobs it shows. */
export function keepShown(
  rt: Pick<DiscordRuntime, 'jobMessages'>,
  first: Reply,
  index: number,
  message: Pick<Message, 'channelId' | 'id'> | undefined,
  ephemeral: boolean,
): void {
  if (!message || ephemeral) return;
  for (const jobId of jobsShownIn(first, index)) rt.jobMessages.keepShown(jobId, message);
}
