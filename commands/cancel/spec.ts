// /cancel [job]: a job by id or id prefix, or the user's latest waiting or running one.
import { z } from 'zod';
import type { CommandSpec } from '../spec.js';

export const cancelSpec = {
  name: 'cancel',
  personal: true,
  options: z.object({ job: z.string().max(36).meta({ suggest: 'own_jobs' }).optional() }),
  text: { rest: 'job' },
} satisfies CommandSpec;

export type CancelInput = z.output<typeof cancelSpec.options>;
