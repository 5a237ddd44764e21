// More images than a command takes (three photos captioned /edit, a mask drawn under a typed /imagine): the job
// says which it used, on every message of it, rather than dropping the rest unseen. The job's meta carries it from
// the typed line that chose the images (run-text.ts) to the rendering (render.ts).
import type { Job } from '../src/jobs/index.js';
import type { CommandContext } from './context.js';
import type { ReplyText } from './reply.js';

const LEFT_OUT = 'imagesLeftOut';
const MASK_SET_ASIDE = 'maskSetAside';

/**
 * The meta of a /retouch given both boxes and a mask: it redraws the boxes (named in words, the more deliberate of
 * the two) and every message of the job says the mask was not used, as for any other image it left out, rather
 * than dropping it unseen or refusing a job that can run as asked.
 */
export const MASK_SET_ASIDE_META: Readonly<Record<string, unknown>> = { [MASK_SET_ASIDE]: true };

/** What a job left out: how many images it used of those given, or that it used no mask it was given. */
interface LeftOut {
  used: number;
  mask?: true;
}

/**
 * The context for a command given `given` images of which it takes `used`: one whose job will say so. A command
 * that took none answers as without them (`/help` under a photo) and says nothing about them.
 */
export function noteLeftOut(ctx: CommandContext, given: number, used: number, mask = false): CommandContext {
  if (used === 0 || (given <= used && !mask)) return ctx;
  const leftOut: LeftOut = { used, ...(mask ? { mask: true as const } : {}) };
  return { ...ctx, meta: { ...ctx.meta, [LEFT_OUT]: leftOut } };
}

/** The note of a job that was given more images than it used. */
export function leftOutLines(job: Job): ReplyText[] {
  const lines = imagesLeftOutLines(job);
  return job.meta[MASK_SET_ASIDE] === true ? [...lines, { key: 'job.mask_unused_boxes' }] : lines;
}

function imagesLeftOutLines(job: Job): ReplyText[] {
  const leftOut = job.meta[LEFT_OUT] as Partial<LeftOut> | undefined;
  if (typeof leftOut?.used !== 'number') return [];
  if (leftOut.mask) return [{ key: 'job.mask_unused' }];
  if (leftOut.used === 1) return [{ key: 'job.only_first_image' }];
  return [{ key: 'job.only_first_images', params: { n: leftOut.used } }];
}
