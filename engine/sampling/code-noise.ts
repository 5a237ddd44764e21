// The per-code noise of bf16 Gumbel-max sampling (bf16-gumbel.ts): K uniforms a cell, too many to draw on the host
// and feed every step, so the image graph derives them from the cell's one uniform (its key) and the code index,
// with integer arithmetic the host repeats exactly (graphs/code-noise-graph.ts). For a fixed key, code → word is a
// bijection of ℤ/P built from keyed affine maps and y ↦ y⁵ (a permutation of ℤ/P since gcd(5, P − 1) = 1); every
// product stays below 2⁶² so int64 holds it on any provider. Gumbel values come from a table over the word, so
// they do not depend on a provider's `log`. A key has 23 bits (the uniform's), so at 1024² (4096 cells) about one
// pair of cells a step shares its noise: their draws are then correlated, each still upstream's distribution.
import { gumbelBf16, torchUniformBf16 } from './bf16.js';

/** The Mersenne prime 2³¹ − 1: words are `2·y` for `y` in [0, P), curand-like 32-bit words. */
export const NOISE_P = 2147483647;
/** Multipliers and offsets of the mixing rounds (arbitrary odd constants below P). */
export const NOISE_MIX = Object.freeze({ code: 1103515245, round: 48271, key: 69621, offset: 1013904223 });

/** `a·b mod P` for a, b in [0, P) without leaving float64's exact integers. */
function mulmod(a: number, b: number): number {
  const hi = Math.floor(b / 65536);
  const lo = b % 65536;
  return (((a * hi) % NOISE_P) * 65536 + a * lo) % NOISE_P;
}

function pow5(y: number): number {
  const y2 = mulmod(y, y);
  return mulmod(mulmod(y2, y2), y);
}

/** A cell's key: the top 23 bits of its float32 sampling uniform `(m + ½)·2⁻²³` (rng.ts), i.e. `m`. */
export function cellKey(u: number): number {
  return Math.floor(Math.fround(u) * 2 ** 23);
}

/** Per-cell part of the second round: `(key·MIX.key + MIX.offset) mod P`. */
export function keyOffset(key: number): number {
  return (mulmod(key, NOISE_MIX.key) + NOISE_MIX.offset) % NOISE_P;
}

/** The 32-bit word (even, below 2³²) of code `code` in the cell keyed `key`. */
export function codeWord(key: number, code: number): number {
  const y1 = (mulmod(code + 1, NOISE_MIX.code) + key) % NOISE_P;
  const y3 = (mulmod(pow5(y1), NOISE_MIX.round) + keyOffset(key)) % NOISE_P;
  return 2 * pow5(y3);
}

/** Tiers of the Gumbel table: a word's bf16 uniform is fixed by `w >> 16` from 2²⁴ up, by `w >> 8` from 2¹⁶. */
export const TIER = Object.freeze({ high: 2 ** 24, mid: 2 ** 16, size: 65536 });

/** Index of word `w` in gumbelTable(). */
export function gumbelIndex(w: number): number {
  if (w >= TIER.high) return Math.floor(w / 65536);
  if (w >= TIER.mid) return TIER.size + Math.floor(w / 256);
  return 2 * TIER.size + w;
}

let table: Float32Array | undefined;

/**
 * upstream's bf16 Gumbel value of every word, by gumbelIndex, from the bucket's middle word: bf16's rounding
 * boundaries fall on bucket edges, so a bucket holds one bf16 uniform but for the words float32 rounds onto a
 * boundary (then ties to even), which moves under 2⁻¹⁶ of a level's odds.
 */
export function gumbelTable(): Float32Array {
  if (table) return table;
  const t = new Float32Array(3 * TIER.size);
  for (let i = 0; i < TIER.size; i++) {
    t[i] = gumbelBf16(torchUniformBf16(i * 65536 + 32768));
    t[TIER.size + i] = gumbelBf16(torchUniformBf16(i * 256 + 128));
    t[2 * TIER.size + i] = gumbelBf16(torchUniformBf16(i));
  }
  table = t;
  return t;
}

/** The bf16 Gumbel value of code `code` in the cell keyed `key`. */
export function codeGumbel(key: number, code: number): number {
  return gumbelTable()[gumbelIndex(codeWord(key, code))]!;
}
