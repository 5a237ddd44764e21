// A command that makes a job: its handler checks the input and says what to queue (a `PreparedJob`); queueing is
// done here, once for every line a permutation prompt stands for (Midjourney's `a {red, blue} bird`). Every line is
// checked before any is queued, all share one seed unless a line names its own, and a refusal part-way (the user's
// waiting limit, the rate limit) is said once.
import type { JobKind, StoredRequest } from '../src/jobs/index.js';
import type { CommandContext, OptionLabel } from './context.js';
import { expandCustomOptions } from './custom-options.js';
import type { CommandDeps } from './deps.js';
import { afterAdmission, guard } from './guard.js';
import { expandPermutations } from './permutations.js';
import type { Reply } from './reply.js';
import { submit } from './submit.js';

/** A job as a command would queue it, checked: what `submit` takes. */
export interface PreparedJob {
  kind: JobKind;
  request: StoredRequest;
  files: Record<string, Uint8Array>;
  meta?: Record<string, unknown>;
}

/** A job-making handler; `label` names its options as the user gave them, for its refusals (`CommandHandler`). */
export type JobMaker<I> = (
  deps: CommandDeps,
  ctx: CommandContext,
  input: I,
  label: OptionLabel,
) => Promise<PreparedJob>;

/** What queueing asks of a handler: the job for one line of its input. */
type LineMaker<I> = (deps: CommandDeps, ctx: CommandContext, input: I) => Promise<PreparedJob>;

/**
 * Queues the jobs `input` stands for: one, or one per line of the `permutes` option's permutations, after the
 * user's custom options (`--name`, /prefer) are put in.
 */
export async function queueJobs<I extends Record<string, unknown>>(
  deps: CommandDeps,
  ctx: CommandContext,
  input: I,
  permutes: string | undefined,
  make: LineMaker<I>,
): Promise<Reply> {
  const text = permutes === undefined ? undefined : input[permutes];
  if (permutes === undefined || typeof text !== 'string')
    return queue(deps, ctx, await make(deps, ctx, input));
  const lines = expandPermutations(expandCustomOptions(text, ctx.settings.options));
  const withLine = (line: string): I => ({ ...input, [permutes]: line });
  if (lines.length === 1) return queue(deps, ctx, await make(deps, ctx, withLine(lines[0] as string)));
  // One seed for them all unless a line names its own: the images then differ where the braces did.
  const seed = deps.randomSeed();
  const shared: CommandDeps = { ...deps, randomSeed: () => seed };
  const jobs: PreparedJob[] = [];
  for (const line of lines) jobs.push(await make(shared, ctx, withLine(line)));
  const replies: Reply[] = [];
  for (const [i, job] of jobs.entries()) {
    const queueLine = () =>
      queue(deps, ctx, {
        ...job,
        meta: { ...job.meta, permutation: { n: i + 1, of: lines.length, line: lines[i] } },
      });
    const queued = replies.flatMap((reply) => (reply.jobId === undefined ? [] : [reply.jobId]));
    // A failure after earlier lines were queued is said after their messages, which their jobs go on updating; it
    // names them, so the request is not sent again.
    const reply =
      queued.length === 0
        ? await queueLine()
        : await guard(deps, ctx, () =>
            queueLine().catch((error: unknown) => {
              throw afterAdmission(error, queued);
            }),
          );
    replies.push(reply);
    // A refusal (the user's queue is full, the rate limit) would refuse the rest alike: it is said once.
    if (!reply.startsJob) break;
  }
  const [first, ...more] = replies as [Reply, ...Reply[]];
  return more.length > 0 ? { ...first, more } : first;
}

function queue(deps: CommandDeps, ctx: CommandContext, job: PreparedJob): Promise<Reply> {
  return submit(deps, ctx, job.kind, job.request, job.files, job.meta);
}
