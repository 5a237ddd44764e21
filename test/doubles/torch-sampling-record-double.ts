// Test double: a record shaped like bench/torch-sampling-check.py's, made from the TypeScript emulation of torch
// instead of torch on CUDA, so the checks in test/reference/torch-sampling-record.ts can be shown to pass on an
// agreeing record and to fail on one with a known flaw, without a GPU. The draws come from Philox words (as
// curand's are), fed through the emulation literally: torchRandBf16 per draw, gumbelMaxSampleUpstream per row.
import { randomWords } from '../../engine/sampling/rng.js';
import {
  curandUniform,
  gumbelMaxSampleUpstream,
  gumbelNoise,
  maskByRandomTopkConfidence,
  toBf16,
  torchRandBf16,
} from '../reference/torch-bf16-sampling.js';
import {
  bf16FromBits,
  bitsOfBf16,
  gumbelMaxRow,
  hexBits,
  type TorchSamplingRecord,
} from '../reference/torch-sampling-record.js';

/**
 * What to get wrong, each in one part of the record: `float64-log` computes gumbel_noise in float64 and rounds
 * once; `unclamped-log` takes log(0) as −∞; `one-kept` keeps a rand that rounded to 1; `truncated-rand` cuts
 * curand's float to bf16 instead of rounding it; `float32-noise` draws gumbel_max_sample's noise and scores in
 * float32, as if the logits were not bf16 (no bf16 cap on the noise, fewer ties).
 */
export type TorchRecordFlaw =
  | 'none'
  | 'float64-log'
  | 'unclamped-log'
  | 'one-kept'
  | 'truncated-rand'
  | 'float32-noise';

export interface TorchRecordDoubleOptions {
  flaw?: TorchRecordFlaw;
  /** torch.rand draws in the level histogram. */
  randN?: number;
  /** gumbel_max_sample rows over the K = 1024 row. */
  draws?: number;
  seed?: number;
}

function range(from: number, to: number): Float32Array {
  return Float32Array.from({ length: to - from }, (_, i) => bf16FromBits(from + i));
}

function randLevel(w: number, flaw: TorchRecordFlaw): number {
  if (flaw === 'one-kept') return toBf16(curandUniform(w));
  if (flaw === 'truncated-rand') {
    const cut = bf16FromBits(bitsOfBf16(curandUniform(w))); // the high half alone: rounding toward zero
    return cut === 1 ? 0 : cut;
  }
  return torchRandBf16([w])[0]!;
}

/** gumbel_max_sample at τ = 1 with every op in float32: the first index of the maximal `l + g`. */
function float32GumbelMax(row: Float32Array, words: ArrayLike<number>): number {
  const f = Math.fround;
  let best = 0;
  let bestScore = -Infinity;
  for (let i = 0; i < row.length; i++) {
    const u0 = curandUniform(words[i]!);
    const u = u0 === 1 ? 0 : u0;
    const score = f(row[i]! - f(Math.log(f(-f(Math.log(f(u + 1e-20))) + f(1e-20)))));
    if (score > bestScore) {
      best = i;
      bestScore = score;
    }
  }
  return best;
}

export function torchSamplingRecordDouble(options: TorchRecordDoubleOptions = {}): TorchSamplingRecord {
  const { flaw = 'none', randN = 2 ** 22, draws = 2 ** 12, seed = 7 } = options;
  const u = range(0, 0x3f80);
  const g =
    flaw === 'float64-log' ? u.map((x) => toBf16(-Math.log(-Math.log(x + 1e-20) + 1e-20))) : gumbelNoise(u);
  const p = range(0, 0x3f81);
  const logp =
    flaw === 'unclamped-log'
      ? p.map((x) => toBf16(Math.log(x)))
      : maskByRandomTopkConfidence(p, 0, new Float32Array(p.length));

  const levels = new Float64Array(1 << 16);
  const chunk = 1 << 16;
  for (let done = 0; done < randN; done += chunk) {
    const words = randomWords(seed, 0, 0, Math.min(chunk, randN - done), done);
    for (const w of words) levels[bitsOfBf16(randLevel(w, flaw))]! += 1;
  }
  const drawn = [...levels.keys()].filter((b) => levels[b]! > 0);

  const row = gumbelMaxRow();
  const counts = new Array<number>(row.length).fill(0);
  for (let d = 0; d < draws; d++) {
    const words = randomWords(seed, 1, 0, row.length, d * row.length);
    counts[
      flaw === 'float32-noise' ? float32GumbelMax(row, words) : gumbelMaxSampleUpstream(row, 1, words)
    ]! += 1;
  }

  return {
    torch: 'emulation (test double)',
    cuda: null,
    device: `test double${flaw === 'none' ? '' : `, flaw: ${flaw}`}`,
    device_kind: 'double',
    gumbel_noise: { from: 0, to: 0x3f80, bits: hexBits(g) },
    log_clamp: { from: 0, to: 0x3f81, bits: hexBits(logp) },
    rand: { n: randN, levels: drawn, counts: drawn.map((b) => levels[b]!) },
    gumbel_max: { k: row.length, tau: 1, draws, counts },
  };
}
