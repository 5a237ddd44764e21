// /retouch: redraw a part of an image, named by boxes (`x,y,w,h` fractions) or a mask (white = redraw).
import { z } from 'zod';
import { imageOption, imagesOption, promptLine, seedOption } from '../options.js';
import { attachment, type CommandSpec } from '../spec.js';

export const retouchSpec = {
  name: 'retouch',
  permutes: 'prompt',
  options: z.object({
    image: imageOption,
    prompt: promptLine(),
    boxes: z.string().max(200).meta({ suggest: 'regions' }).optional(),
    mask: attachment().optional(),
    seed: seedOption.optional(),
    images: imagesOption.optional(),
  }),
  text: {
    rest: 'prompt',
    named: { box: 'boxes' },
    leading: [
      { option: 'boxes', pattern: /^(-?[\d.]+,-?[\d.]+,-?[\d.]+,-?[\d.]+);?$/, repeat: true, separator: ';' },
    ],
  },
} satisfies CommandSpec;

export type RetouchInput = z.output<typeof retouchSpec.options>;
