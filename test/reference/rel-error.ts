// How far `actual` is from `expected`: the largest absolute difference over the largest |expected| (the graph
// parity tests' measure, so fp16 and fp32 results compare at the scale of the values).
export function relError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return diff / scale;
}
