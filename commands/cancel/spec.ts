// /cancel [job]: a job by id or id prefix, or the user's latest waiting or running one.
import { z } from 'zod';
import type { CommandSpec } from '../spec.js';

export const cancelSpec = {
  name: 'cancel',
  personal: true,
  // An id longer than any is no job's: said as an unknown id is, the option having no name a typed line says.
  options: z.object({
    job: z.string().max(36).meta({ suggest: 'own_jobs', tooLongKey: 'errors.job.not_found' }).optional(),
  }),
  text: { rest: 'job' },
} satisfies CommandSpec;

export type CancelInput = z.output<typeof cancelSpec.options>;
