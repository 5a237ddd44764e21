// /prefer: the user's custom options (Midjourney's `/prefer option set`). `/prefer cine --ar 21:9 film grain` saves
// one, `/prefer cine` shows it, `/prefer cine off` deletes it, `/prefer` lists them all.
import { z } from 'zod';
import { customOptionName, MAX_CUSTOM_OPTION_CHARS, MAX_CUSTOM_OPTION_NAME } from '../custom-options.js';
import { quoted } from '../quoted-text.js';
import type { CommandSpec } from '../spec.js';

export const preferSpec = {
  name: 'prefer',
  personal: true,
  options: z.object({
    // Room for the dashes a user may type before the name. A name longer than any is refused as no name, as the
    // handler refuses any other, with the name's own limit: the option has no name a typed line says.
    option: z
      .string()
      .superRefine((typed, check) => {
        if (
          typed.length > MAX_CUSTOM_OPTION_NAME + 2 ||
          customOptionName(typed).length > MAX_CUSTOM_OPTION_NAME
        )
          check.addIssue({
            code: 'custom',
            params: { key: 'errors.prefer.name', name: quoted(typed), max: MAX_CUSTOM_OPTION_NAME },
          });
      })
      .max(MAX_CUSTOM_OPTION_NAME + 2)
      .meta({ suggest: 'custom_options' })
      .optional(),
    value: z
      .string()
      .max(MAX_CUSTOM_OPTION_CHARS)
      .meta({ tooLongKey: 'errors.prefer.value_too_long' })
      .optional(),
  }),
  text: {
    leading: [{ option: 'option', pattern: /^(\S+)$/ }],
    rest: 'value',
    // "Make one: /prefer cine …" only where the user has none to use or named one they lack: under a saved, shown
    // or deleted option (or the list) it would offer to overwrite what they just read.
    footerKey: 'prefer.how',
    noFooterAfter: ['prefer.saved', 'prefer.item', 'prefer.deleted', 'prefer.list'],
  },
} satisfies CommandSpec;

export type PreferInput = z.output<typeof preferSpec.options>;
