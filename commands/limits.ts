// The one table of what users may ask for. Option schemas (options.ts) and prompt flags (prompt.ts) are both
// built from it, so a slash option and its `--flag` can never disagree. The engine keeps wider limits of its own
// (`engine/tasks/context.ts`) as a last guard for requests that never passed through a command.

export const MAX_PROMPT_CHARS = 1000;
/**
 * The longest line a prompt option takes, flags and all (`a fox --ar 16:9 --no fog`): a prompt and a `--no` at
 * MAX_PROMPT_CHARS each, every character of both typed as two (an escaped brace `\{`, an emoji's two UTF-16
 * units), and every flag spelled out, as the lines the bot offers (Remix, Custom zoom) hold them. Only a bound on
 * what is read: once read, the prompt and the negative prompt are each measured by MAX_PROMPT_CHARS. A line past
 * it is refused naming MAX_PROMPT_CHARS too, flags typed or none: that is the limit a user can act on.
 */
export const MAX_LINE_CHARS = 4 * MAX_PROMPT_CHARS + 500;
/** Output sides: the engine works on 16-pixel cells; 1024 is DiMOO's largest trained resolution. */
export const MIN_SIDE = 256;
export const MAX_SIDE = 1024;
/** The engine's cell: sides are placed and grown in whole cells. */
export const CELL = 16;
/** The default output area is 512² pixels: CPU-friendly, and the smallest class DiMOO was trained at. */
export const DEFAULT_SIZE_CLASS = 512;
export const SIZE_CLASSES = [256, 512, 768, 1024] as const;
/** The most elongated aspect accepted (either way). */
export const MAX_ASPECT = 4;
export const ASPECT_CHOICES = ['1:1', '16:9', '9:16', '4:3', '3:4', '3:2', '2:3'] as const;

export const LIMITS = {
  seed: { min: 0, max: 4_294_967_295 },
  steps: { min: 1, max: 128 },
  cfg: { min: 0, max: 20 },
  temperature: { min: 0, max: 2 },
  /** Images one /imagine draws at once, shown as one grid to pick from (the engine's `count`). */
  images: { min: 1, max: 4 },
  /** How far /outpaint zooms out: any factor in this range (Midjourney's Custom Zoom), 1.5 and 2 as buttons. */
  zoom: { min: 1.1, max: 2 },
} as const;
