// A server removed the bot (kicked, banned, or the server deleted: GUILD_DELETE without `unavailable`, discord.js's
// guildDelete). Its channels answer 403 from then on, and a DM reaches only a user who still shares a server with
// the bot, so a job there whose ending needs the channel would spend the GPU on a result nobody gets. Such jobs are
// withdrawn (`Commands.withdraw`): a waiting one is cancelled, a running one aborted too, as its result could only be
// thrown away. A job whose interaction token will still edit its status message when it is expected to end (a slash
// command, a button, a message menu) runs on: Discord keeps an interaction's webhook working after the removal.
// Each withdrawn job's owner gets one line saying why, on its status message while a token reaches it, else in a
// DM where Discord allows one. An outage (`unavailable: true`, discord.js's guildUnavailable) changes nothing.
import type { UnfinishedJob } from '../../commands/index.js';
import { DEFAULT_UPLOAD_LIMIT } from './render.js';
import type { DiscordRuntime } from './runtime.js';
import type { DiscordStatus } from './status.js';

/** Discord allows 100 characters in a server's name; the line about it is kept to that. */
const SERVER_NAME_MAX = 100;

export interface RemovedGuild {
  id: string;
  name: string;
}

/**
 * Whether a job can still reach its owner: only through its interaction's token (its channel answers no more), and
 * only if the token outlives the job's expected end. An unmeasured pace (`endsInMs` undefined) gives it the benefit
 * of the doubt.
 */
export function stillReachable(tokenLeftMs: number, endsInMs: number | undefined): boolean {
  return tokenLeftMs > 0 && (endsInMs === undefined || endsInMs < tokenLeftMs);
}

/**
 * Withdraws the removed server's jobs that could reach no one. `shared`: with a shared queue another front-end may
 * hold a job's status message, so only the jobs this one tracks are judged (each front-end hears the removal).
 * Resolves with how many were withdrawn and how many run on.
 */
export async function onRemovedFromGuild(
  rt: DiscordRuntime,
  guild: RemovedGuild,
  { shared }: { shared: boolean },
): Promise<{ withdrawn: number; kept: number }> {
  const scope = `guild:${guild.id}`;
  const server = guild.name.slice(0, SERVER_NAME_MAX);
  rt.jobMessages.leftGuild(guild.id);
  const ours = () => rt.commands.unfinishedIn(scope).filter(({ job }) => job.owner.platform === 'discord');
  // Each job's status message, marked so that its channel is not asked again; null: it reaches no one here.
  const statuses = new Map<string, DiscordStatus | null>();
  for (const { job } of ours()) {
    const opened = rt.jobMessages.statusOf(job.id);
    // Not opened here: a job from before a restart, whose status message only its channel reaches; with a shared
    // queue, possibly another front-end's.
    if (!opened) {
      if (!shared) statuses.set(job.id, null);
      continue;
    }
    const status = (await opened) ?? null;
    status?.guildLeft();
    statuses.set(job.id, status);
  }
  let withdrawn = 0;
  const withdraw = ({ job }: UnfinishedJob) => {
    rt.jobMessages.withdrawing(job.id, server);
    const ctx = rt.context({
      user: { id: job.owner.userId },
      guildId: guild.id,
      locale: null,
      channelId: null,
      roles: [],
      uploadLimit: DEFAULT_UPLOAD_LIMIT,
    });
    rt.commands.withdraw(ctx, [job.id]);
    withdrawn += 1;
  };
  // Those without a token first: what they free is counted in the others' expected ends, asked for again.
  for (const unfinished of ours())
    if (statuses.has(unfinished.job.id) && !statuses.get(unfinished.job.id)) withdraw(unfinished);
  let kept = 0;
  for (const unfinished of ours()) {
    const status = statuses.get(unfinished.job.id);
    if (!status) continue;
    if (stillReachable(status.tokenLeftMs(), unfinished.endsInMs)) kept += 1;
    else withdraw(unfinished);
  }
  rt.log.info(
    { guildId: guild.id, withdrawn, kept },
    'discord: removed from a server; its jobs that could reach no one were withdrawn',
  );
  return { withdrawn, kept };
}
