// How much of a picture Vary and Upscale draw again, apart from their handlers: job-context.ts, which only labels
// their results, would otherwise import vary.ts, whose imports lead back to job-context.ts (a cycle).

/** The share of cells each Vary strength draws again. */
export const VARY_SHARE = { subtle: 0.3, strong: 0.6 } as const;
export type VaryStrength = keyof typeof VARY_SHARE;

/**
 * The share of cells each Upscale strength draws again. Fewer than Vary's: an upscale should keep the picture, and
 * every kept cell already holds its content, only softer. Not yet tuned on the real weights.
 */
export const UPSCALE_SHARE = { subtle: 0.25, creative: 0.5 } as const;
export type UpscaleStrength = keyof typeof UPSCALE_SHARE;
