// ML-Cache ("max-logit cache") step plan and recompute selection for text-to-image (dimoo-inference.md §4.4).
// @see Alpha-VLLM/Lumina-DiMOO generators/image_generation_generator.py: refresh_steps, torch.quantile selection
import { EngineError, type MlCacheOptions } from '../api.js';

export const ML_CACHE_DEFAULTS: Readonly<MlCacheOptions> = Object.freeze({
  cacheRatio: 0.9,
  warmupRatio: 0.3,
  refreshInterval: 5,
});

export interface MlCachePlan extends MlCacheOptions {
  steps: number;
  /** `int(T · warmupRatio)`: steps 0 … warmupSteps are all full. */
  warmupSteps: number;
  /** `full[s]`: step s runs the whole sequence (and, for s > 0, starts from empty caches). */
  full: boolean[];
  /** Number of full steps. */
  fullCount: number;
}

/** The fewest steps ML-Cache runs with `options` (8 with the defaults): fewer leave no valid refresh interval. */
export function minMlCacheSteps(options: Readonly<MlCacheOptions> = ML_CACHE_DEFAULTS): number {
  let steps = 2;
  while (steps - Math.floor(steps * options.warmupRatio) - 1 < options.refreshInterval) steps++;
  return steps;
}

function badRequest(detail: string): EngineError {
  return new EngineError('bad_request', detail, { detail });
}

/**
 * Validates the options against upstream's documented ranges and builds the step plan:
 * `cacheRatio ∈ (0,1)`, `warmupRatio ∈ [0,1)`, `refreshInterval ∈ (1, T − int(warmup·T) − 1]` (an integer).
 * `true` means the defaults; `false`/absent means no cache (null).
 */
export function resolveMlCache(
  cache: Partial<MlCacheOptions> | boolean | undefined,
  steps: number,
): MlCachePlan | null {
  if (cache === undefined || cache === false) return null;
  const options = { ...ML_CACHE_DEFAULTS, ...(cache === true ? {} : cache) };
  const { cacheRatio, warmupRatio, refreshInterval } = options;
  if (!(cacheRatio > 0 && cacheRatio < 1))
    throw badRequest(`cache_ratio must be in (0, 1), got ${cacheRatio}`);
  if (!(warmupRatio >= 0 && warmupRatio < 1))
    throw badRequest(`warmup_ratio must be in [0, 1), got ${warmupRatio}`);
  const warmupSteps = Math.floor(steps * warmupRatio);
  const maxInterval = steps - warmupSteps - 1;
  if (!Number.isInteger(refreshInterval) || refreshInterval <= 1 || refreshInterval > maxInterval) {
    throw badRequest(
      maxInterval < 2
        ? `ML-Cache needs more steps: with ${steps} steps and warmup_ratio ${warmupRatio} no refresh_interval is valid`
        : `refresh_interval must be an integer in (1, ${maxInterval}] for ${steps} steps and warmup_ratio ${warmupRatio}, got ${refreshInterval}`,
    );
  }
  const full = Array.from(
    { length: steps },
    (_, s) => s <= warmupSteps || (s - warmupSteps) % refreshInterval === 0,
  );
  return { ...options, steps, warmupSteps, full, fullCount: full.filter(Boolean).length };
}

/** Whether step `s` runs the full sequence (always true without a plan). */
export function isFullStep(plan: MlCachePlan | null, step: number): boolean {
  return plan === null || plan.full[step] === true;
}

/** Whether the caches are cleared before step `s` (every full step but the first). */
export function clearsCacheBefore(plan: MlCachePlan | null, step: number): boolean {
  return plan !== null && step > 0 && plan.full[step] === true;
}

/** Whether step `s` must pick the positions to recompute at step `s + 1` (the next step is a cached one). */
export function needsSelectionAfter(plan: MlCachePlan | null, step: number): boolean {
  return plan !== null && step < plan.steps - 1 && plan.full[step + 1] === false;
}

const f32 = Math.fround;

// torch.lerp's two-sided formula, in float32 as torch computes it for float tensors.
function lerpF32(a: number, b: number, w: number): number {
  const d = f32(b - a);
  return w < 0.5 ? f32(a + f32(w * d)) : f32(b - f32(d * f32(1 - w)));
}

/**
 * `torch.quantile(values.float(), q)` with linear interpolation, reproducing its float32 arithmetic:
 * rank = q·(n−1), value = lerp(sorted[⌊rank⌋], sorted[⌈rank⌉], rank − ⌊rank⌋).
 */
export function quantileLinear(values: ArrayLike<number>, q: number): number {
  const n = values.length;
  if (n === 0) throw new RangeError('quantile of an empty set');
  const sorted = Float32Array.from(values).sort();
  const rank = f32(f32(q) * (n - 1));
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return lerpF32(sorted[lo]!, sorted[hi]!, f32(rank - lo));
}

/**
 * The positions one branch recomputes on the next (cached) step: `mx <= quantile(mx, 1 − cacheRatio)`, where
 * `mx[p]` is the maximum image-slice logit of position p over the WHOLE branch sequence (prompt included).
 */
export function selectRecompute(maxLogits: Float32Array, cacheRatio: number): Uint8Array {
  const threshold = quantileLinear(maxLogits, 1 - cacheRatio);
  return Uint8Array.from(maxLogits, (m) => (m <= threshold ? 1 : 0));
}
