// /describe: a question about an image (or a plain description).
import { z } from 'zod';
import { imageOption, promptText } from '../options.js';
import type { CommandSpec } from '../spec.js';

export const describeSpec = {
  name: 'describe',
  options: z.object({ image: imageOption, question: promptText().optional() }),
  text: { rest: 'question' },
} satisfies CommandSpec;

export type DescribeInput = z.output<typeof describeSpec.options>;
