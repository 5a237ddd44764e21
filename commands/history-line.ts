// The user's line of a job in their history (the playground rebuilds its page from it): the line as they typed it,
// where the playground kept it. A job stored without it gets a command they could type again, every setting spelled
// out (Remix's line), not the prompt alone (a permutation's expanded prompt, the flags lost). A /retouch's or
// /outpaint's picture cannot be typed: the entry shows it (and a drawn mask) beside the line, as the live page showed
// the attachment beside what was typed, and the line is what to type with it attached: its region is spelled out as
// that command's own word (`--box`, `--zoom`, `--pan`); a mask, drawn, is the attachment. An /edit's and a
// /describe's picture (and an edit's reference) are attachments too.
import type { Job } from '../src/jobs/index.js';
import type { CommandContext } from './context.js';
import { editSpec } from './edit/spec.js';
import { DEFAULT_STEPS } from './job-context.js';
import { literalBraces } from './permutations.js';
import { NAMED_REGIONS } from './regions.js';
import { IMAGE_AS_SUBJECT } from './render.js';
import { remakeLineOf } from './rerun.js';
import { asGrammarWords } from './text-grammar.js';

type PaintRequest = Extract<Job['request'], { task: 'paint' }>;
type EditRequest = Extract<Job['request'], { task: 'image_to_image' }>;

/**
 * The job's meta entry the playground keeps the line in as the user typed it (`adapters/web/router.ts`): after a
 * reload, or in another tab, the user's line is the one the live page showed, not one rewritten with the settings
 * the job ran with (a seed the user never typed). Jobs stored before it was kept, or made elsewhere, have none.
 */
const TYPED_LINE = 'typed';

export function typedLineOf(job: Job): string | undefined {
  const typed = job.meta[TYPED_LINE];
  return typeof typed === 'string' ? typed : undefined;
}

/** A permutation's job after its first: its line, typed once, stands above the first (`job-command.ts`). */
export function furtherPermutation(job: Job): boolean {
  const permutation = job.meta.permutation;
  return typeof permutation === 'object' && permutation !== null && 'n' in permutation && permutation.n !== 1;
}

/** The job's line spelled out from its request: for a job stored without the line as typed. */
export function historyLineOf(ctx: CommandContext, job: Job): string {
  const r = job.request;
  // Its question is the whole command: a describe has no settings of its own to spell out.
  if (r.task === 'understand') return r.question ? `/describe ${r.question}` : '/describe';
  if (r.task === 'text_to_image') return `/imagine ${remakeLineOf(ctx, r)}`;
  if (r.task === 'image_to_image') return editLineOf(ctx, job, r);
  const command = job.meta.paint === 'retouch' || job.meta.paint === 'outpaint' ? job.meta.paint : undefined;
  const region = command === undefined ? undefined : regionWords(command, r.region);
  // Another paint (a Vary's scatter, an upscale) is no command's: its words as said.
  if (command === undefined || region === undefined) return r.prompt;
  // The steps spelled out as an /imagine's are: typed again, the user's default would take the place of the ones
  // the job ran with.
  const line = remakeLineOf(ctx, { ...r, steps: r.steps ?? DEFAULT_STEPS.paint });
  return `/${command} ${[line, region].filter(Boolean).join(' ')}`;
}

/**
 * An /edit typed again: its settings spelled out as a retouch's are (steps where the user's default would take
 * their place, `--n 1` where theirs draws grids), and its type, so that it is not left to be inferred from the
 * wording again. An /imagine given a picture is that edit's `subject_driven`: typed as the /imagine it was, which
 * picks the type itself.
 */
function editLineOf(ctx: CommandContext, job: Job, r: EditRequest): string {
  const subject = job.meta[IMAGE_AS_SUBJECT] === true;
  const count = r.count ?? 1;
  return [
    subject ? '/imagine' : '/edit',
    // Its braces are permutations when typed (`permutes: 'instruction'`); the job's own stay literal.
    asGrammarWords(editSpec, literalBraces(r.prompt)),
    ...(count > 1 || (ctx.settings.images ?? 1) > 1 ? [`--n ${count}`] : []),
    ...(r.seed !== undefined ? [`--seed ${r.seed}`] : []),
    `--steps ${r.steps ?? DEFAULT_STEPS.image_to_image}`,
    ...(r.cfg !== undefined ? [`--cfg ${r.cfg}`] : []),
    ...(r.temperature !== undefined ? [`--temperature ${r.temperature}`] : []),
    ...(subject ? [] : [`--type ${r.editType}`]),
  ]
    .filter(Boolean)
    .join(' ');
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
