// /settings: the user's defaults (size, aspect, steps, images per /imagine, language, privacy, previews, a negative
// prompt; typed only: plain lines).
import { z } from 'zod';
import { SUPPORTED_LOCALES } from '../../src/i18n.js';
import { aspectOption, imagesOption, negativeOption, sizeOption, stepsOption } from '../options.js';
import type { CommandSpec } from '../spec.js';

export const settingsSpec = {
  name: 'settings',
  personal: true,
  options: z.object({
    size: sizeOption.optional(),
    aspect: aspectOption.optional(),
    steps: stepsOption.optional(),
    /** Images per /imagine that names no `--n`: 2–4 draw a grid to pick from. */
    images: imagesOption.optional(),
    language: z.enum(SUPPORTED_LOCALES).meta({ languageNames: true }).optional(),
    private: z.boolean().optional(),
    previews: z.boolean().optional(),
    plain: z.boolean().meta({ typedOnly: true }).optional(),
    /** The `--no` of every image job that names none; `off` clears it. */
    no: negativeOption.optional(),
  }),
  text: { pairs: true, lastPair: 'no', footerKey: 'settings.how' },
} satisfies CommandSpec;

/** Changes as the options deliver them, already validated. */
export type SettingsChanges = z.output<typeof settingsSpec.options>;
