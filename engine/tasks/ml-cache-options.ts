// What every ML-Cache loop takes and returns, apart from the loops so that ml-cache-loop.ts (which dispatches to
// the interval loop) and ml-cache-interval-loop.ts do not import each other.
import type { ProgressEvent } from '../api.js';
import type { MlCachePlan } from '../sampling/ml-cache.js';
import type { ImageLoopResult } from './image-loop.js';
import type { PreviewOption } from './preview.js';

export interface CachedLoopOptions {
  steps: number;
  temperature: number;
  seed: number;
  /** [cond, uncond] weights, e.g. [1+s, −s]. */
  weights: number[];
  plan: MlCachePlan;
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
  /** Decodes a preview grid (still-masked cells as their most likely code); at most every `intervalMs`. */
  preview?: PreviewOption;
}

export interface CachedLoopResult extends ImageLoopResult {
  /** Forward-token units actually run (positions × rows), and what the same steps cost without the cache. */
  tokensRun: number;
  tokensFull: number;
}
