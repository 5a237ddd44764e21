// The queue caps a submission must pass: per user, per scope (guild, chat, playground) and in total, and the time
// one job may run.
import type { QueueLimits, Refusal, SubmitInput } from './queue-types.js';
import type { Job } from './types.js';
import { ownerKey } from './types.js';

/** Why `input` may not join the `queued` jobs, or undefined when it may. */
export function admissionRefusal(
  queued: readonly Job[],
  input: Pick<SubmitInput, 'owner' | 'scope'>,
  limits: QueueLimits,
): Refusal | undefined {
  const user = ownerKey(input.owner);
  const mine = queued.filter((j) => ownerKey(j.owner) === user).length;
  if (mine >= limits.maxPerUser) {
    return { key: 'errors.queue.user_full', params: { count: mine, limit: limits.maxPerUser } };
  }
  const inScope = queued.filter((j) => j.scope === input.scope).length;
  if (inScope >= limits.maxPerScope) {
    return { key: 'errors.queue.scope_full', params: { count: inScope, limit: limits.maxPerScope } };
  }
  if (queued.length >= limits.maxTotal)
    return { key: 'errors.queue.full', params: { limit: limits.maxTotal } };
  return undefined;
}

/**
 * A job its type's measured pace says would run past the job timeout: refused before it waits and runs for nothing
 * (four images at the largest size and the most steps can). Not judged while the pace is unknown.
 */
export function tooLongRefusal(expectedMs: number | undefined, limits: QueueLimits): Refusal | undefined {
  if (expectedMs === undefined || expectedMs <= limits.jobTimeoutMs) return undefined;
  return {
    key: 'errors.queue.too_long',
    // Durations in milliseconds, worded where the text is rendered, in its reader's language (`…Ms` params, t()).
    params: { expectedMs: Math.round(expectedMs), limitMs: limits.jobTimeoutMs },
  };
}
