// /imagine (Telegram also /draw): a prompt with optional flags, and the shape, sampling and how many images (one
// grid to pick from) as options. An image given with it is the subject of the scene the prompt describes (the
// engine's `subject_driven`, handler.ts), as an image in Midjourney's /imagine is part of the prompt.
import { z } from 'zod';
import {
  aspectOption,
  cfgOption,
  imageOption,
  imagesOption,
  negativeOption,
  promptLine,
  seedOption,
  sizeOption,
  stepsOption,
} from '../options.js';
import type { CommandSpec } from '../spec.js';

export const imagineSpec = {
  name: 'imagine',
  permutes: 'prompt',
  telegramAliases: ['draw'],
  options: z.object({
    prompt: promptLine(),
    aspect: aspectOption.optional(),
    size: sizeOption.optional(),
    steps: stepsOption.optional(),
    cfg: cfgOption.optional(),
    seed: seedOption.optional(),
    no: negativeOption.optional(),
    images: imagesOption.optional(),
    image: imageOption.optional(),
  }),
  text: { rest: 'prompt' },
} satisfies CommandSpec;

export type ImagineInput = z.output<typeof imagineSpec.options>;
