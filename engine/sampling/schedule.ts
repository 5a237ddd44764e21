// The MaskGIT cosine schedule as upstream's generators compute it (dimoo-inference.md §4.1).
// @see Alpha-VLLM/Lumina-DiMOO generators/image_generation_generator.py: generate_image,
//      utils/generation_utils.py: cosine_schedule

const f32 = Math.fround;
const HALF_PI_F32 = f32(0.5 * Math.PI);

/**
 * Cells that stay masked after `step` (0-based) of `totalSteps`, on the INITIAL masked count `initialMasked`:
 * `max(1, floor(N · cos(π/2 · (step+1)/T)))` before the last step, 0 at the last step.
 * Upstream evaluates this on float32 tensors; the arithmetic is rounded to float32 here so that the floor lands
 * on the same integer where `N · cos(…)` is close to one.
 */
export function cosineKeepCount(step: number, totalSteps: number, initialMasked: number): number {
  if (step >= totalSteps - 1) return 0;
  const t = f32((step + 1) / totalSteps);
  const frac = f32(Math.cos(f32(HALF_PI_F32 * t)));
  return Math.max(1, Math.floor(f32(initialMasked * frac)));
}

/**
 * How many of the `currentMasked` cells to re-mask after sampling at `step`: the keep count clamped to
 * `[0, currentMasked − 1]`, so every step commits at least one cell and the last step commits all.
 */
export function remaskCount(
  step: number,
  totalSteps: number,
  initialMasked: number,
  currentMasked: number,
): number {
  const keep = cosineKeepCount(step, totalSteps, initialMasked);
  return Math.min(Math.max(keep, 0), Math.max(currentMasked - 1, 0));
}

/**
 * Cells committed at each step, as the loop runs when re-masking removes exactly the scheduled count. Steps after
 * the grid is full are absent (upstream breaks out of the loop), so the list may be shorter than `totalSteps`.
 * The entries sum to `initialMasked`.
 */
export function unmaskCounts(initialMasked: number, totalSteps: number): number[] {
  const counts: number[] = [];
  let masked = initialMasked;
  for (let step = 0; step < totalSteps && masked > 0; step++) {
    const keep = remaskCount(step, totalSteps, initialMasked, masked);
    counts.push(masked - keep);
    masked = keep;
  }
  return counts;
}

/**
 * Steps the loop runs before every cell is committed: `totalSteps`, or fewer when there are fewer cells than steps
 * (every step commits at least one). A retouch of a few cells ends early, so its progress counts these steps.
 */
export function scheduledSteps(initialMasked: number, totalSteps: number): number {
  return unmaskCounts(initialMasked, totalSteps).length;
}
