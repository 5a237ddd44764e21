// The user's line of a job in their history (the playground rebuilds its page from it): a command they could type
// again, every setting spelled out (Remix's line), not the prompt alone (a permutation's expanded prompt, the flags
// lost). A /retouch's or /outpaint's picture cannot be typed: the entry shows it (and a drawn mask) beside the line,
// as the live page showed the attachment beside what was typed, and the line is what to type with it attached: its
// region is spelled out as that command's own word (`--box`, `--zoom`, `--pan`); a mask, drawn, is the attachment.
import type { Job } from '../src/jobs/index.js';
import type { CommandContext } from './context.js';
import { DEFAULT_STEPS } from './job-context.js';
import { NAMED_REGIONS } from './regions.js';
import { remakeLineOf } from './rerun.js';

type PaintRequest = Extract<Job['request'], { task: 'paint' }>;

export function historyLineOf(ctx: CommandContext, job: Job): string {
  const r = job.request;
  if (r.task === 'understand') return r.question ?? '';
  if (r.task === 'text_to_image') return `/imagine ${remakeLineOf(ctx, r)}`;
  if (r.task !== 'paint') return r.prompt;
  const command = job.meta.paint === 'retouch' || job.meta.paint === 'outpaint' ? job.meta.paint : undefined;
  const region = command === undefined ? undefined : regionWords(command, r.region);
  // Another paint (a Vary's scatter, an upscale) is no command's: its words as said.
  if (command === undefined || region === undefined) return r.prompt;
  // The steps spelled out as an /imagine's are: typed again, the user's default would take the place of the ones
  // the job ran with.
  const line = remakeLineOf(ctx, { ...r, steps: r.steps ?? DEFAULT_STEPS.paint });
  return `/${command} ${[line, region].filter(Boolean).join(' ')}`;
}

/** The region as the command's own words, `''` for a drawn mask, undefined where no typed word makes it. */
function regionWords(command: 'retouch' | 'outpaint', region: PaintRequest['region']): string | undefined {
  if (command === 'retouch') {
    if (region.kind === 'mask') return '';
    if (region.kind !== 'boxes') return undefined;
    return `--box ${region.boxes.map(boxWords).join(';')}`;
  }
  if (region.kind !== 'extend') return undefined;
  const { left, top, right, bottom } = region;
  const sides = { left, right, up: top, down: bottom };
  // `extensionOf`'s regions, read back: every side by half the extra width, one side by half, two short sides.
  if (left > 0 && [top, right, bottom].every((side) => side === left))
    return `--zoom ${rounded(1 + 2 * left)}`;
  const grown = Object.entries(sides).filter(([, side]) => side > 0);
  if (grown.length === 1 && grown[0]?.[1] === 0.5) return `--pan ${grown[0][0]}`;
  if ((top === 0 && bottom === 0) || (left === 0 && right === 0)) return '--pan square';
  return undefined;
}

/** A box by its name where it is a named region (`top-left`), its fractions otherwise. */
function boxWords(box: { x: number; y: number; w: number; h: number }): string {
  const named = Object.entries(NAMED_REGIONS).find(
    ([, n]) => n.x === box.x && n.y === box.y && n.w === box.w && n.h === box.h,
  );
  return named ? named[0] : [box.x, box.y, box.w, box.h].map(rounded).join(',');
}

/** Without binary fractions' noise (`1.7000000000000002`). */
function rounded(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
