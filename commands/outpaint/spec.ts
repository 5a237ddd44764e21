// /outpaint: extend an image, zoomed out around it, panned to one side, or grown to a square.
import { z } from 'zod';
import { imageOption, imagesOption, promptLine, seedOption, zoomOption } from '../options.js';
import type { CommandSpec } from '../spec.js';

/** A side to pan toward, or `square`: the two short sides grow until the image is square (Make Square). */
export const DIRECTIONS = ['left', 'right', 'up', 'down', 'square'] as const;
export type Direction = (typeof DIRECTIONS)[number];
/** A zoom-out factor, `LIMITS.zoom.min`–`max`. */
export type Zoom = number;

export const outpaintSpec = {
  name: 'outpaint',
  permutes: 'prompt',
  options: z.object({
    image: imageOption,
    // Missing, it is asked for as a description of the whole scene (as the handler refuses a blank one).
    prompt: promptLine('errors.outpaint.prompt_empty'),
    zoom: zoomOption.optional(),
    direction: z.enum(DIRECTIONS).meta({ labelPrefix: 'choice.direction' }).optional(),
    seed: seedOption.optional(),
    images: imagesOption.optional(),
  }),
  text: {
    rest: 'prompt',
    named: { zoom: 'zoom', pan: 'direction' },
    leading: [
      { option: 'zoom', pattern: /^(?:[x×](\d+(?:\.\d+)?)|(\d+(?:\.\d+)?)[x×])$/i },
      { option: 'direction', pattern: /^(left|right|up|down|square)$/i },
    ],
  },
} satisfies CommandSpec;

export type OutpaintInput = z.output<typeof outpaintSpec.options>;
