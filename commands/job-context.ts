// What a job was made from, for labels beside its result and for the `parameters` text inside its PNG.
import { type GenerationParameters, parametersText, withPngText } from '../engine/index.js';
import type { Job } from '../src/jobs/index.js';
import { UPSCALE_SHARE, VARY_SHARE } from './redraw-shares.js';
import type { ResultContext } from './reply.js';

/** The engine's steps for a request that names none. */
export const DEFAULT_STEPS = {
  text_to_image: 64,
  image_to_image: 64,
  paint: 64,
  understand: 128,
} as const;

function taskOf(job: Job): string {
  const r = job.request;
  if (r.task === 'image_to_image') return `${r.task}/${r.editType}`;
  // A variation says how strong, as the button that made it did ("Vary (Strong)"): by the share it redrew.
  if (r.task === 'paint' && job.meta.paint === 'vary' && r.region.kind === 'scatter')
    return `${r.task}/${r.region.share >= VARY_SHARE.strong ? 'vary_strong' : 'vary_subtle'}`;
  // An upscale likewise ("Upscale (Creative)"): its button is known only by the share its redraw was given.
  if (r.task === 'paint' && job.meta.paint === 'upscale' && r.region.kind === 'scatter')
    return `${r.task}/${r.region.share >= UPSCALE_SHARE.creative ? 'upscale_creative' : 'upscale_subtle'}`;
  if (r.task === 'paint' && typeof job.meta.paint === 'string') return `${r.task}/${job.meta.paint}`;
  return r.task;
}

export function resultContext(job: Job): ResultContext {
  const r = job.request;
  const origin = job.meta.origin;
  // A grid's size is each image's (as A1111 labels a grid by its first image), with how many there are.
  const images = job.result?.candidates?.length;
  const result = images ? undefined : job.result;
  const parent = typeof origin === 'string' ? { parentJobId: origin } : {};
  // An answer is no picture to draw again: a seed and steps beside it would only invite reusing them.
  if (r.task === 'understand') return { task: taskOf(job), prompt: r.question ?? '', ...parent };
  return {
    task: taskOf(job),
    prompt: r.prompt,
    seed: job.result?.seed ?? r.seed,
    width: result?.width ?? ('width' in r ? r.width : undefined),
    height: result?.height ?? ('height' in r ? r.height : undefined),
    ...(images ? { images, lastSeed: job.result?.candidates?.at(-1)?.seed } : {}),
    steps: r.steps ?? DEFAULT_STEPS[r.task],
    ...parent,
  };
}

export function generationParameters(job: Job): GenerationParameters {
  const c = resultContext(job);
  const r = job.request;
  const cfg = 'cfg' in r ? r.cfg : undefined;
  const negative = 'negativePrompt' in r ? r.negativePrompt : undefined;
  return { ...c, cfg, ...(negative ? { negativePrompt: negative } : {}) };
}

/** A result PNG with its generation parameters in a `parameters` text chunk. */
export function pngWithParameters(job: Job, png: Uint8Array): Uint8Array {
  return withPngText(png, { parameters: parametersText(generationParameters(job)) });
}
