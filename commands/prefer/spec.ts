// /prefer: the user's custom options (Midjourney's `/prefer option set`). `/prefer cine --ar 21:9 film grain` saves
// one, `/prefer cine` shows it, `/prefer cine off` deletes it, `/prefer` lists them all.
import { z } from 'zod';
import { MAX_CUSTOM_OPTION_CHARS, MAX_CUSTOM_OPTION_NAME } from '../custom-options.js';
import type { CommandSpec } from '../spec.js';

export const preferSpec = {
  name: 'prefer',
  personal: true,
  options: z.object({
    // Room for the dashes a user may type before the name.
    option: z
      .string()
      .max(MAX_CUSTOM_OPTION_NAME + 2)
      .meta({ suggest: 'custom_options' })
      .optional(),
    value: z.string().max(MAX_CUSTOM_OPTION_CHARS).optional(),
  }),
  text: { leading: [{ option: 'option', pattern: /^(\S+)$/ }], rest: 'value', footerKey: 'prefer.how' },
} satisfies CommandSpec;

export type PreferInput = z.output<typeof preferSpec.options>;
