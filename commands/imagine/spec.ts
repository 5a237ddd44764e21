// /imagine (Telegram also /draw): a prompt with optional flags, and the shape, sampling and how many images (one
// grid to pick from) as options.
import { z } from 'zod';
import {
  aspectOption,
  cfgOption,
  imagesOption,
  negativeOption,
  promptText,
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
    prompt: promptText(),
    aspect: aspectOption.optional(),
    size: sizeOption.optional(),
    steps: stepsOption.optional(),
    cfg: cfgOption.optional(),
    seed: seedOption.optional(),
    no: negativeOption.optional(),
    images: imagesOption.optional(),
  }),
  text: { rest: 'prompt' },
} satisfies CommandSpec;

export type ImagineInput = z.output<typeof imagineSpec.options>;
