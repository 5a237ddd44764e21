// Judges a record of real torch's bf16 sampling (bench/torch-sampling-check.py, run on a CUDA host) against the
// op-by-op emulation in torch-bf16-sampling.ts. Elementwise results must agree bit for bit; the draws are judged
// by Pearson's χ² against the emulation's exact probabilities, computed from curand's word space (each bf16 level
// of torch.rand is an interval of 32-bit words) and, for the Gumbel-max row, from the exact distribution of
// every bf16 score, ties going to the first index as torch's argmax does.
import {
  curandUniform,
  gumbelMaxScores,
  gumbelNoise,
  maskByRandomTopkConfidence,
  toBf16,
  torchRandBf16,
} from './torch-bf16-sampling.js';

/** Elementwise results over consecutive bf16 inputs: bit patterns `[from, to)` in, 4 hex digits per result. */
export interface BitsPart {
  from: number;
  to: number;
  bits: string;
  error?: string;
}

/** The level histogram of `n` torch.rand bf16 draws: `counts[j]` draws had the bit pattern `levels[j]`. */
export interface RandPart {
  n: number;
  levels: number[];
  counts: number[];
  error?: string;
}

/** `draws` gumbel_max_sample rows over `gumbelMaxRow()` at `tau`: how often each index was drawn. */
export interface GumbelMaxPart {
  k: number;
  tau: number;
  draws: number;
  counts: number[];
  error?: string;
}

export interface TorchSamplingRecord {
  skipped?: string;
  error?: string;
  torch?: string;
  cuda?: string | null;
  device?: string;
  device_kind?: string;
  gumbel_noise?: BitsPart;
  log_clamp?: BitsPart;
  rand?: RandPart;
  gumbel_max?: GumbelMaxPart;
}

export interface Verdict {
  ok: boolean;
  message: string;
}

/** A χ² below this p-value fails: a true agreement fails one run in a million, a real difference (with 2²⁸ draws,
 * any level off by a few parts in a thousand) fails every run. */
export const P_MIN = 1e-6;

const view = new DataView(new ArrayBuffer(4));

export function bf16FromBits(bits: number): number {
  view.setUint32(0, (bits & 0xffff) << 16);
  return view.getFloat32(0);
}

export function bitsOfBf16(x: number): number {
  view.setFloat32(0, x);
  return view.getUint16(0);
}

export function hexBits(values: ArrayLike<number>): string {
  return Array.from(values, (x) => bitsOfBf16(x).toString(16).padStart(4, '0')).join('');
}

function parseHexBits(hex: string): number[] {
  return Array.from({ length: hex.length / 4 }, (_, i) => Number.parseInt(hex.slice(4 * i, 4 * i + 4), 16));
}

function bf16Range(from: number, to: number): Float32Array {
  return Float32Array.from({ length: to - from }, (_, i) => bf16FromBits(from + i));
}

function compareBits(name: string, part: BitsPart, emulated: Float32Array): Verdict {
  const torch = parseHexBits(part.bits);
  if (torch.length !== emulated.length) {
    return { ok: false, message: `${name}: ${torch.length} results for ${emulated.length} inputs` };
  }
  const differ: string[] = [];
  torch.forEach((t, i) => {
    const e = bitsOfBf16(emulated[i]!);
    if (t !== e) differ.push(`0x${hex4(part.from + i)}: torch 0x${hex4(t)}, emulation 0x${hex4(e)}`);
  });
  return {
    ok: differ.length === 0,
    message: `${name}: ${differ.length} of ${torch.length} inputs differ${differ.length ? `; ${differ.slice(0, 8).join('; ')}` : ''}`,
  };
}

const hex4 = (b: number) => b.toString(16).padStart(4, '0');

/** gumbel_noise's `-log(-log(u + 1e-20) + 1e-20)` on every recorded u, bit for bit. */
export function checkGumbelNoise(part: BitsPart): Verdict {
  return compareBits('gumbel_noise', part, gumbelNoise(bf16Range(part.from, part.to)));
}

/** mask_by_random_topk's `log(probs.clamp_min(1e-20))` on every recorded p, bit for bit. */
export function checkLogClamp(part: BitsPart): Verdict {
  const p = bf16Range(part.from, part.to);
  // At temperature 0 the confidence is the log term alone (adding a bf16 zero changes nothing).
  return compareBits('log_clamp', part, maskByRandomTopkConfidence(p, 0, new Float32Array(p.length)));
}

const TWO32 = 2 ** 32;
const levelOfWord = (w: number) => bitsOfBf16(toBf16(curandUniform(w)));

let randWords: Float64Array | undefined;

/**
 * How many of curand's 2³² words give each bf16 bit pattern of torch.rand (index = pattern), as the emulation
 * computes it: the bf16 level of curand's float is monotone in the word, so each level is an interval of words,
 * found by binary search; the level a word finally gives is torchRandBf16's (1 becomes 0).
 */
export function randWordCounts(): Float64Array {
  if (randWords) return randWords;
  const counts = new Float64Array(1 << 16);
  const top = levelOfWord(TWO32 - 1);
  const firstWord = (level: number) => {
    let lo = 0;
    let hi = TWO32; // the first word whose level is at least `level`, or 2³² if none
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (levelOfWord(mid) >= level) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  let start = firstWord(levelOfWord(0));
  for (let level = levelOfWord(0); level <= top; level++) {
    const end = level === top ? TWO32 : firstWord(level + 1);
    if (end > start) counts[bitsOfBf16(torchRandBf16([start])[0]!)]! += end - start;
    start = end;
  }
  randWords = counts;
  return counts;
}

export interface ChiSquare {
  chi2: number;
  df: number;
  p: number;
  bins: number;
}

/**
 * Pearson's χ² of observed counts against expected ones, adjacent cells pooled until each bin expects at least
 * `minExpected` (the last short bin joins the one before).
 */
export function chiSquare(
  observed: ArrayLike<number>,
  expected: ArrayLike<number>,
  minExpected = 5,
): ChiSquare {
  const bins: Array<[number, number]> = [];
  let o = 0;
  let e = 0;
  for (let i = 0; i < expected.length; i++) {
    o += observed[i]!;
    e += expected[i]!;
    if (e >= minExpected) {
      bins.push([o, e]);
      o = 0;
      e = 0;
    }
  }
  if (e > 0 || o > 0) {
    const last = bins.pop() ?? [0, 0];
    bins.push([last[0] + o, last[1] + e]);
  }
  const chi2 = bins.reduce((sum, [ob, ex]) => sum + (ob - ex) ** 2 / ex, 0);
  const df = bins.length - 1;
  return { chi2, df, p: df > 0 ? chiSquareSurvival(chi2, df) : 1, bins: bins.length };
}

/** The cells furthest from what they expect, in standard deviations, for a failing χ² message. */
function worstCells(
  observed: ArrayLike<number>,
  expected: ArrayLike<number>,
  name: (i: number) => string,
): string {
  const cells: Array<{ i: number; z: number }> = [];
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    if (e > 0) cells.push({ i, z: (observed[i]! - e) / Math.sqrt(e) });
  }
  cells.sort((a, b) => Math.abs(b.z) - Math.abs(a.z));
  return cells
    .slice(0, 5)
    .map(({ i }) => `${name(i)} ${observed[i]} for ${expected[i]!.toFixed(1)}`)
    .join(', ');
}

/** P(χ²_df ≥ x): the regularized upper incomplete gamma Q(df/2, x/2). */
export function chiSquareSurvival(x: number, df: number): number {
  const a = df / 2;
  const z = x / 2;
  if (z <= 0) return 1;
  const front = Math.exp(a * Math.log(z) - z - logGamma(a));
  if (z < a + 1) {
    // Series for the lower P; Q = 1 − P is not small here.
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 1e6 && Math.abs(term) > Math.abs(sum) * 1e-16; n++) {
      term *= z / (a + n);
      sum += term;
    }
    return Math.max(0, 1 - sum * front);
  }
  // Lentz's continued fraction for Q itself, accurate far into the tail.
  const tiny = 1e-300;
  let b = z + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let n = 1; n < 1e6; n++) {
    const an = -n * (n - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return front * h;
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; about 15 digits). */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const y = x - 1;
  let sum = c[0]!;
  for (let i = 1; i < 9; i++) sum += c[i]! / (y + i);
  const t = y + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(sum);
}

/**
 * torch.rand's level histogram against the emulation: no level the emulation never gives (1 above all), the
 * counts adding up to `n`, and χ² against the exact level probabilities.
 */
export function checkRandHistogram(part: RandPart): Verdict {
  const words = randWordCounts();
  const observed = new Float64Array(1 << 16);
  part.levels.forEach((level, j) => {
    observed[level]! += part.counts[j]!;
  });
  const total = part.counts.reduce((a, b) => a + b, 0);
  if (total !== part.n || total === 0) {
    return { ok: false, message: `rand: the counts add up to ${total}, the record says ${part.n} draws` };
  }
  const impossible = part.levels
    .map((level, j) => ({ level, count: part.counts[j]! }))
    .filter(({ level, count }) => count > 0 && words[level] === 0);
  if (impossible.length > 0) {
    const list = impossible.slice(0, 8).map(({ level, count }) => `0x${hex4(level)} ×${count}`);
    return {
      ok: false,
      message: `rand: ${impossible.length} levels drawn that the emulation never gives (${list.join(', ')})`,
    };
  }
  const expected = Float64Array.from(words, (w) => (part.n * w) / TWO32);
  const chi = chiSquare(observed, expected);
  const ok = chi.p >= P_MIN;
  const worst = ok ? '' : `; furthest off: ${worstCells(observed, expected, (b) => `0x${hex4(b)}`)}`;
  return {
    ok,
    message: `rand: ${part.n} draws, χ² ${chi.chi2.toFixed(1)} on ${chi.df} df, p = ${chi.p.toExponential(2)} (fails below ${P_MIN})${worst}`,
  };
}

/** The recorded row: l[i] = ((7 i) mod 17 − 8) / 8, multiples of 1/8 in [−1, 1], exact in bf16. */
export function gumbelMaxRow(k = 1024): Float32Array {
  return Float32Array.from({ length: k }, (_, i) => toBf16((((7 * i) % 17) - 8) / 8));
}

const gumbelMaxMemo = new Map<string, Float64Array>();

/**
 * The emulation's exact P(gumbel_max_sample picks index i) for one bf16 row: each score `l/τ + g` takes the
 * emulation's bf16 values with the probabilities of torch.rand's levels; the first index of the maximum wins, so
 * P(i) = Σ_v P(s_i = v) · Π_{j<i} P(s_j < v) · Π_{j>i} P(s_j ≤ v), summed in logs per distinct logit.
 */
export function gumbelMaxProbabilities(row: Float32Array, tau: number): Float64Array {
  const key = `${tau}:${hexBits(row)}`;
  const memo = gumbelMaxMemo.get(key);
  if (memo) return memo;
  const words = randWordCounts();
  const uLevels: number[] = [];
  const uProb: number[] = [];
  words.forEach((w, bits) => {
    if (w > 0) {
      uLevels.push(bf16FromBits(bits));
      uProb.push(w / TWO32);
    }
  });
  const g = gumbelNoise(Float32Array.from(uLevels));
  const classes = [...new Set(row)].sort((a, b) => a - b);
  const classOf = Int32Array.from(row, (l) => classes.indexOf(l));
  // Each distinct logit's score distribution, as value → probability.
  const pmfs = classes.map((l) => {
    const scores = gumbelMaxScores(new Float32Array(g.length).fill(l), tau, g);
    const pmf = new Map<number, number>();
    scores.forEach((s, j) => {
      pmf.set(s, (pmf.get(s) ?? 0) + uProb[j]!);
    });
    return pmf;
  });
  const support = [...new Set(pmfs.flatMap((pmf) => [...pmf.keys()]))].sort((a, b) => a - b);
  const index = new Map(support.map((v, j) => [v, j]));
  const logLe: Float64Array[] = [];
  const logLt: Float64Array[] = [];
  for (const pmf of pmfs) {
    const le = new Float64Array(support.length);
    const lt = new Float64Array(support.length);
    let cdf = 0;
    support.forEach((v, j) => {
      lt[j] = Math.log(cdf);
      cdf += pmf.get(v) ?? 0;
      le[j] = Math.log(Math.min(cdf, 1));
    });
    logLe.push(le);
    logLt.push(lt);
  }
  const sparse = pmfs.map((pmf) => [...pmf].map(([v, p]) => [index.get(v)!, p] as const));
  const before = new Float64Array(classes.length);
  const after = new Float64Array(classes.length);
  classOf.forEach((c) => {
    after[c]! += 1;
  });
  const probs = new Float64Array(row.length);
  for (let i = 0; i < row.length; i++) {
    const ci = classOf[i]!;
    after[ci]! -= 1;
    let sum = 0;
    for (const [j, p] of sparse[ci]!) {
      let log = Math.log(p);
      for (let c = 0; c < classes.length && log > -Infinity; c++) {
        if (before[c]! > 0) log += before[c]! * logLt[c]![j]!;
        if (after[c]! > 0) log += after[c]! * logLe[c]![j]!;
      }
      sum += Math.exp(log);
    }
    probs[i] = sum;
    before[ci]! += 1;
  }
  gumbelMaxMemo.set(key, probs);
  return probs;
}

/** gumbel_max_sample's index histogram against the emulation's exact probabilities (χ²). */
export function checkGumbelMax(part: GumbelMaxPart): Verdict {
  const row = gumbelMaxRow(part.k);
  const total = part.counts.reduce((a, b) => a + b, 0);
  if (part.counts.length !== part.k || total !== part.draws || total === 0) {
    return {
      ok: false,
      message: `gumbel_max: ${part.counts.length} counts adding up to ${total}, the record says ${part.k} and ${part.draws}`,
    };
  }
  const probs = gumbelMaxProbabilities(row, part.tau);
  const expected = Array.from(probs, (p) => p * part.draws);
  const chi = chiSquare(part.counts, expected);
  const ok = chi.p >= P_MIN;
  const worst = ok ? '' : `; furthest off: ${worstCells(part.counts, expected, (i) => `index ${i}`)}`;
  return {
    ok,
    message: `gumbel_max: ${part.draws} draws, χ² ${chi.chi2.toFixed(1)} on ${chi.df} df, p = ${chi.p.toExponential(2)} (fails below ${P_MIN})${worst}`,
  };
}
