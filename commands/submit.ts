// The common path of every job-making operation: the sampling settings a request carries, the rate limit, queue
// admission, and the "queued" reply.
import {
  AfterStored,
  type JobKind,
  NotStored,
  ownerKey,
  type StoredImage,
  type StoredRequest,
  type SubmitResult,
} from '../src/jobs/index.js';
import type { CommandContext } from './context.js';
import type { CommandDeps } from './deps.js';
import { ThrownAfterAdmission } from './guard.js';
import type { PromptFlags } from './prompt.js';
import { UNCOUNTED } from './rate-limit.js';
import { durationParams, formatDuration, renderQueued } from './render.js';
import { type Reply, textReply } from './reply.js';
import { checkCacheSteps, imageCount, negativePrompt } from './task-input.js';

export type StoredPaintRegion = Extract<StoredRequest, { task: 'paint' }>['region'];

export async function submit(
  deps: CommandDeps,
  ctx: CommandContext,
  kind: JobKind,
  request: StoredRequest,
  files: Record<string, Uint8Array>,
  meta: Record<string, unknown> = {},
): Promise<Reply> {
  // Counted before the queue is asked (and given back if it refuses): front-ends sharing a queue check and count
  // at once, so two of them cannot both take a user's last slot.
  // A replacement is not counted again: the request it stands for took its slot when first sent.
  const replaces = replacedIds(ctx);
  const slot = replacesWaitingJob(deps, ctx, replaces)
    ? UNCOUNTED
    : await deps.limiter.take(ownerKey(ctx.user), deps.now(), ctx.isAdmin || ctx.rateExempt === true);
  if (!slot.ok)
    return textReply('errors.rate_limited', {
      when: formatDuration(ctx.locale, slot.retryAfterMs, 'time.in'),
    });
  let result: SubmitResult;
  try {
    result = deps.queue.submit({
      owner: ctx.user,
      scope: ctx.scope,
      kind,
      request,
      files,
      meta: jobMeta(ctx, meta),
      // Admin rights can come from the platform (a role), which the queue cannot see.
      ...(ctx.isAdmin ? { priority: 'high' as const } : {}),
      // Held for this submission: admitted, it takes their place in the same step.
      ...(replaces.length > 0 ? { replaces } : {}),
      // A shared queue whose Redis refused the job after the "queued" reply: its owner hears it failed.
      notQueued: () => giveBack(slot),
    });
  } catch (error) {
    // Nothing was stored: a plain error, the slot given back as for a refusal.
    if (error instanceof NotStored) {
      await slot.release();
      throw error.error;
    }
    // Stored, then failed (telling its place): queued all the same, and the slot stays taken, as for any queued job.
    if (error instanceof AfterStored) throw new ThrownAfterAdmission(error.error, { jobs: [error.job.id] });
    // Any other throw may come after the job was stored: it may be queued.
    throw new ThrownAfterAdmission(error, { jobs: [], unsure: true });
  }
  if (!result.ok) {
    await slot.release();
    return textReply(result.refusal.key, durationParams(ctx.locale, result.refusal.params));
  }
  try {
    return { ...renderQueued(result.job, result.ahead, result.endMs, deps.render), startsJob: true };
  } catch (error) {
    throw new ThrownAfterAdmission(error, { jobs: [result.job.id] });
  }
}

/** The slot of a submission not queued after all: a refused give-back only keeps it counted until it leaves the window. */
function giveBack(slot: { release(): Promise<void> }): void {
  slot.release().catch(() => undefined);
}

/** The waiting jobs the request stands for (`ctx.meta.replaces`: an edited Telegram message). */
function replacedIds(ctx: CommandContext): string[] {
  const replaced = ctx.meta.replaces;
  return Array.isArray(replaced) ? replaced.filter((id): id is string => typeof id === 'string') : [];
}

/**
 * The request stands for a waiting job of the same user (an edited request): neither refused by the rate limit
 * (fixing a typo at the limit would lose the job) nor counted. The job is still waiting, held for the submission
 * that replaces it (JobQueueApi.hold), or already cancelled for it (a queue that cannot hold; the further lines of
 * a permutation). Each replaced job lets one submission through, and a held one always: a hold is taken only by
 * its one replacement, and after a refusal that kept the job it is the same request edited again.
 */
function replacesWaitingJob(deps: CommandDeps, ctx: CommandContext, replaced: readonly string[]): boolean {
  const user = ownerKey(ctx.user);
  return replaced.some((id) => {
    const job = deps.queue.get(id) ?? deps.store.get(id);
    if (!job || job.startedAt !== undefined || ownerKey(job.owner) !== user) return false;
    const once = deps.limiter.replacementOnce(id);
    return job.status === 'queued' || (job.status === 'cancelled' && once);
  });
}

/** What a new job of the user's keeps of their context: where it came from, their language and privacy. */
export function jobMeta(ctx: CommandContext, meta: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...ctx.meta,
    ...definedOnly(meta),
    locale: ctx.locale,
    private: ctx.settings.private === true,
    // Only an explicit "off" travels: the platform picks the default (Telegram: off in groups).
    ...(ctx.settings.previews === false ? { previews: false } : {}),
  };
}

/** Steps from the flag or the user's default; a seed always, so re-rolls and the reply can name it. */
export function sampling(deps: Pick<CommandDeps, 'randomSeed'>, ctx: CommandContext, flags: PromptFlags) {
  const steps = flags.steps ?? ctx.settings.steps;
  return {
    ...definedOnly({ steps, cfg: flags.cfg, temperature: flags.temperature }),
    seed: flags.seed ?? deps.randomSeed(),
  };
}

/** A paint job's request: the region to redraw, with the sampling and the `--no` of its prompt's flags. */
export function paintRequest(
  deps: Pick<CommandDeps, 'randomSeed'>,
  ctx: CommandContext,
  paint: { prompt: string; image: StoredImage; region: StoredPaintRegion },
  flags: PromptFlags,
): StoredRequest {
  const request: StoredRequest = {
    task: 'paint',
    ...paint,
    ...sampling(deps, ctx, flags),
    ...(flags.cache !== undefined ? { cache: flags.cache } : {}),
    ...negativePrompt(flags.negative, flags.cfg, ctx.settings.negativePrompt),
    ...imageCount(flags.images, flags.temperature, ctx.settings.images),
  };
  checkCacheSteps(request);
  return request;
}

export function definedOnly<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
