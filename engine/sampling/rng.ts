// Counter-based random numbers for sampling: Philox4x32-10 (Salmon et al., SC'11, "Parallel Random Numbers:
// As Easy as 1, 2, 3"). Every number is a pure function of (seed, step, stream, index), so a seed gives the
// same noise whatever the device, the batch it runs in, or how many numbers were drawn before.

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;
const M0_HI = M0 >>> 16;
const M0_LO = M0 & 0xffff;
const M1_HI = M1 >>> 16;
const M1_LO = M1 & 0xffff;

// High 32 bits of the 64-bit product of a 32-bit constant (given as 16-bit halves) and `b`.
function mulhi(aHi: number, aLo: number, b: number): number {
  const bHi = b >>> 16;
  const bLo = b & 0xffff;
  const lh = aLo * bHi;
  const hl = aHi * bLo;
  const mid = ((aLo * bLo) >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (aHi * bHi + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) >>> 0;
}

/** One Philox4x32-10 block: 4 words from a 128-bit counter and a 64-bit key. */
export function philox4x32(
  counter: readonly [number, number, number, number],
  key: readonly [number, number],
  out: Uint32Array = new Uint32Array(4),
): Uint32Array {
  let [c0, c1, c2, c3] = counter;
  let [k0, k1] = key;
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const hi0 = mulhi(M0_HI, M0_LO, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi(M1_HI, M1_LO, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
  return out;
}

/** Independent noise streams of one job; each step and stream gets its own counter space. */
export const NoiseStream = Object.freeze({
  /** Sampling of image codes (each cell's key of its per-code noise, code-noise.ts). */
  sample: 1,
  /** Gumbel noise on the log-confidences of re-masking. */
  remask: 2,
  /** Sampling of text tokens (understanding). */
  text: 3,
  /** Which cells a scattered paint region redraws. */
  scatter: 4,
});
export type NoiseStream = (typeof NoiseStream)[keyof typeof NoiseStream];

function checkSeed(seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`seed must be a non-negative safe integer, got ${seed}`);
  }
}

/**
 * The raw 32-bit words `[offset, offset + count)` of stream `stream` at `step`: word `i` is word `i mod 4` of
 * the Philox block with counter `(⌊i/4⌋ low, ⌊i/4⌋ high, step, stream)` and key `(seed low, seed high)`.
 */
export function randomWords(
  seed: number,
  step: number,
  stream: number,
  count: number,
  offset = 0,
): Uint32Array {
  checkSeed(seed);
  const key: [number, number] = [seed >>> 0, Math.floor(seed / 2 ** 32) >>> 0];
  const out = new Uint32Array(count);
  const block = new Uint32Array(4);
  let i = 0;
  while (i < count) {
    const index = offset + i;
    const b = Math.floor(index / 4);
    philox4x32([b >>> 0, Math.floor(b / 2 ** 32) >>> 0, step >>> 0, stream >>> 0], key, block);
    for (let w = index % 4; w < 4 && i < count; w++) out[i++] = block[w]!;
  }
  return out;
}

/** Float32 uniforms strictly inside (0, 1): `(m + ½) / 2²³` for the top 23 bits `m` of each word. */
export function uniformsF32(
  seed: number,
  step: number,
  stream: number,
  count: number,
  offset = 0,
): Float32Array {
  const words = randomWords(seed, step, stream, count, offset);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = ((words[i]! >>> 9) + 0.5) * 2 ** -23;
  return out;
}

/** Float64 uniforms strictly inside (0, 1) with 52 random bits, two words each. */
export function uniformsF64(
  seed: number,
  step: number,
  stream: number,
  count: number,
  offset = 0,
): Float64Array {
  const words = randomWords(seed, step, stream, 2 * count, 2 * offset);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    out[i] = ((words[2 * i]! >>> 6) * 2 ** 26 + (words[2 * i + 1]! >>> 6) + 0.5) * 2 ** -52;
  }
  return out;
}

/**
 * The noise the image-sampling graph consumes at `step`: `count × perCell` float32 uniforms in (0, 1), row-major
 * `[count, perCell]`, for the masked cells in sequence order. The image graph takes `perCell = 1`: each cell's
 * uniform keys the K per-code words of its bf16 Gumbel-max (code-noise.ts). Not needed at temperature 0.
 */
export function samplingNoise(seed: number, step: number, count: number, perCell: number): Float32Array {
  return uniformsF32(seed, step, NoiseStream.sample, count * perCell);
}

/** A fresh seed for a request that gave none (reported back so the result can be reproduced). */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 32);
}
