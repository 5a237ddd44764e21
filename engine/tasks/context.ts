// What every task needs from a loaded engine: the token layout and tokenizer, the image-step backend and the VQ
// codec. Tasks are plain functions over this context, so they read like the upstream generators.
import type { RgbImage } from '../api.js';
import type { ImageStepBackend } from '../runtime/image-step-backend.js';
import type { MlCacheIntervalBackend } from '../runtime/ml-cache-interval-session.js';
import type { MlCacheBackend } from '../runtime/ml-cache-session.js';
import type { MlCacheStateBackend } from '../runtime/ml-cache-state-session.js';
import type { TextBlockBackend } from '../runtime/text-block.js';
import type { TextStepBackend } from '../runtime/text-step-backend.js';
import type { TextTokenizer, TokenLayout } from '../sampling/layout-type.js';

export interface VqPort {
  readonly scaleFactor: number;
  encode(image: RgbImage): Promise<{ rows: number; cols: number; indices: Int32Array }>;
  decode(rows: number, cols: number, indices: ArrayLike<number>): Promise<RgbImage>;
}

export interface TaskContext {
  layout: TokenLayout;
  tokenizer: TextTokenizer;
  imageStep: ImageStepBackend;
  vq: VqPort;
  /** The understanding step: in the engine, the drawing session's step graph through its understanding head. */
  textStep: () => Promise<TextStepBackend>;
  /**
   * Understanding with the block cache (UnderstandRequest.cache): the drawing session's block Loop, or undefined
   * on an engine whose graph has none (made without ML-Cache's interval branch).
   */
  textBlock?: () => Promise<TextBlockBackend | undefined>;
  /**
   * ML-Cache for text-to-image: the drawing session's refresh-interval branch (the default), or the comparison
   * paths' own sessions (per-step, state-in-graph), opened on first use.
   */
  mlCache: () => Promise<MlCacheBackend | MlCacheStateBackend | MlCacheIntervalBackend>;
}

/** Output-size and step limits: big enough for every DiMOO use, small enough to refuse mistakes early. */
export const LIMITS = Object.freeze({
  minSide: 16,
  maxSide: 2048,
  maxPixels: 2048 * 2048,
  maxSteps: 256,
  maxGuidance: 50,
  maxTemperature: 10,
  maxPromptChars: 4000,
  /** Images one text-to-image request draws at once (`count`), tiled into one grid. */
  maxCount: 4,
});

/** Largest input image a task accepts (before its own crop or resize). */
export const MAX_INPUT_PIXELS = 4096 * 4096;
