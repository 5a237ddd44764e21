// A running job hears a cancel at its engine's next step: one asked after the last step (while the result is
// stored) stops nothing, and the job ends done. Its owner was told "Stopping your job…" (the job's Cancel, /cancel,
// /queue's Cancel n), and the queue marks the job as asked (`meta.cancelRequested`, kept with its end): its result
// says it finished first, rather than arriving as if the cancel had been ignored.
import type { Job, JobEvent } from '../src/jobs/index.js';
import type { Reply } from './reply.js';

/**
 * "Stopping…" for a job whose owner asked to cancel it (`meta.cancelRequested`), with no Cancel to press again:
 * its live message and /history say so alike until "Cancelled." comes. `undefined` for a job nobody asked to cancel.
 */
export function stoppingReply<B extends { jobId: string }>(
  job: { meta: Record<string, unknown> },
  base: B,
): (B & Reply) | undefined {
  return job.meta.cancelRequested === true ? { ...base, text: [{ key: 'cancel.stopping' }] } : undefined;
}

/**
 * The job's message once a /cancel typed apart from it was taken: "Stopping…" at once, as its own Cancel button
 * makes it, not at its next paced turn (a step of a large image takes seconds), and with no Cancel left to press.
 */
export function stoppingNow(job: Job): Reply {
  return {
    jobId: job.id,
    ephemeral: job.meta.private === true,
    text: [{ key: 'cancel.stopping' }],
    urgent: true,
  };
}

/** `reply`, the rendering of `event`, with the line saying its job finished before a cancel could stop it. */
export function withLateCancel(event: JobEvent, reply: Reply): Reply {
  if (event.type !== 'done' || event.job.meta.cancelRequested !== true) return reply;
  return { ...reply, text: [...reply.text, { key: 'job.cancel_too_late' }] };
}
