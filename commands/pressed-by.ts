// A job made by a button (Re-roll, Vary…, a Remix or an Edit answered in its form) keeps the button in its meta:
// the playground shows no line of the user's for a press, so its history after a reload shows none either.
import type { Job } from '../src/jobs/index.js';
import type { CommandContext } from './context.js';

/** The context a press runs in: the jobs it makes remember the button. */
export function pressedBy(ctx: CommandContext, button: string): CommandContext {
  return { ...ctx, meta: { ...ctx.meta, button } };
}

export function madeByButton(job: Job): boolean {
  return typeof job.meta.button === 'string';
}
