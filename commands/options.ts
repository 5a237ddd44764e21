// Option schemas more than one command shares, built from the one LIMITS table. Prompt flags (`--steps 8`) are
// checked against these same schemas.
import { z } from 'zod';
import type { UserInputCode } from './errors.js';
import {
  ASPECT_CHOICES,
  LIMITS,
  MAX_ASPECT,
  MAX_LINE_CHARS,
  MAX_PROMPT_CHARS,
  SIZE_CLASSES,
} from './limits.js';
import { codePoints } from './quoted-text.js';
import { attachment } from './spec.js';

export const seedOption = z.number().int().min(LIMITS.seed.min).max(LIMITS.seed.max);
export const stepsOption = z.number().int().min(LIMITS.steps.min).max(LIMITS.steps.max);
export const cfgOption = z.number().min(LIMITS.cfg.min).max(LIMITS.cfg.max);
export const temperatureOption = z.number().min(LIMITS.temperature.min).max(LIMITS.temperature.max);
export const imagesOption = z.number().int().min(LIMITS.images.min).max(LIMITS.images.max);
export const zoomOption = z.number().min(LIMITS.zoom.min).max(LIMITS.zoom.max);
export const sizeOption = z.literal(SIZE_CLASSES);
export const imageOption = attachment();

/**
 * A typed number, or undefined when the text is none: decimal digits only (full-width ones too), as people write
 * numbers. JavaScript's `Number` would also take `0x10`, `0b11`, `1e1` and white space alone. Whole numbers have no
 * point or sign (`2.0` and `-0` are no steps). Past 2^53 no option takes it, and as a number it would be quoted back
 * as `1.1e+199` or `Infinity`: it stays text, for the refusal to quote as typed.
 */
export function readNumber(typed: string, integer: boolean): number | undefined {
  const text = typed.normalize('NFKC').trim();
  if (!(integer ? /^\d+$/ : /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/).test(text)) return undefined;
  const n = Number(text);
  return Math.abs(n) <= Number.MAX_SAFE_INTEGER ? n : undefined;
}

/** A user's text read as a prompt (checked further for blocked words by the handler, which knows the config). */
export const promptText = () =>
  z
    .string()
    .max(MAX_PROMPT_CHARS)
    .meta({ tooLongKey: 'errors.prompt_too_long', missingKey: 'errors.prompt_empty' });

/**
 * A line's length in characters where it is past MAX_LINE_CHARS, counted as zod's `max` counts (an emoji is one),
 * else undefined. Its UTF-16 length is looked at first: a line of megabytes is not walked when it is short.
 */
export function lengthPastLine(line: string): number | undefined {
  if (line.length <= MAX_LINE_CHARS) return undefined;
  const length = codePoints(line);
  return length > MAX_LINE_CHARS ? length : undefined;
}

/**
 * A prompt with its flags typed in (`a fox --ar 16:9 --no fog`). The line is only bounded here: its prompt and its
 * `--no` are measured once read (`checkPrompt`), so a line the bot offers is never refused for what it spelled out.
 * Past the bound the refusal names MAX_PROMPT_CHARS, not the bound: the prompt's limit is the one a user can act
 * on, flags typed or none. Its issue comes first, so the `max` (kept for Discord's `max_length`) never answers.
 */
export const promptLine = (missingKey: UserInputCode = 'errors.prompt_empty') =>
  z
    .string()
    .superRefine((line, check) => {
      const length = lengthPastLine(line);
      if (length !== undefined)
        check.addIssue({
          code: 'custom',
          params: { key: 'errors.line_too_long', length, limit: MAX_PROMPT_CHARS },
        });
    })
    .max(MAX_LINE_CHARS)
    .meta({ missingKey });

/** What the image should not show (the option beside the prompt; `--no` inside it does the same). */
export const negativeOption = z.string().max(MAX_PROMPT_CHARS).meta({ tooLongKey: 'errors.prompt_too_long' });

/** `W:H` in whole numbers, no more elongated than MAX_ASPECT:1; the common ones are offered as choices. */
export const aspectOption = z
  .string()
  .refine((value) => aspectOf(value) !== undefined, {
    params: { key: 'errors.flag.aspect', max: `${MAX_ASPECT}:1` },
  })
  .meta({ suggestions: ASPECT_CHOICES });

export interface Aspect {
  w: number;
  h: number;
}

/**
 * The ratio a `W:H` text names, or undefined when it is not one this bot accepts. Full-width digits and colon are the
 * same ratio (`１６：９`, as Japanese and Chinese input methods type it), wherever it is typed.
 */
export function aspectOf(value: string): Aspect | undefined {
  const m = /^(\d{1,3}):(\d{1,3})$/.exec(value.normalize('NFKC').trim());
  const w = Number(m?.[1]);
  const h = Number(m?.[2]);
  if (!m || w <= 0 || h <= 0 || Math.max(w / h, h / w) > MAX_ASPECT) return undefined;
  return { w, h };
}
