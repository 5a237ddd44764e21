// LLaDA's semi-autoregressive block diffusion as DiMOO's understanding generator runs it (dimoo-inference.md
// §4.3), plus the early stop the paper describes and the code lacks.
// @see ML-GSAI/LLaDA generate.py: generate, get_num_transfer_tokens;
//      Alpha-VLLM/Lumina-DiMOO generators/text_understanding_generator.py
import { EngineError } from '../api.js';
import { softmaxAt } from './categorical.js';
import type { TextTokenizer, TokenLayout } from './layout-type.js';

export interface BlockScheduleOptions {
  steps: number;
  genLength: number;
  blockLength: number;
}

export interface BlockSchedule extends BlockScheduleOptions {
  numBlocks: number;
  stepsPerBlock: number;
}

function badRequest(detail: string): EngineError {
  return new EngineError('bad_request', detail, { detail });
}

/** Validates upstream's divisibility rules: `genLength % blockLength == 0`, `steps % (genLength/blockLength) == 0`. */
export function planBlocks(options: BlockScheduleOptions): BlockSchedule {
  const { steps, genLength, blockLength } = options;
  for (const [name, value] of Object.entries(options)) {
    if (!Number.isInteger(value) || value < 1)
      throw badRequest(`${name} must be a positive integer, got ${value}`);
  }
  if (genLength % blockLength !== 0) {
    throw badRequest(`gen_length (${genLength}) must be a multiple of block_length (${blockLength})`);
  }
  const numBlocks = genLength / blockLength;
  if (steps % numBlocks !== 0) {
    throw badRequest(
      `steps (${steps}) must be a multiple of the number of blocks (gen_length / block_length = ${numBlocks})`,
    );
  }
  return { steps, genLength, blockLength, numBlocks, stepsPerBlock: steps / numBlocks };
}

/** Tokens to commit at each of a block's steps: `floor(n/steps)`, the first `n mod steps` steps one more. */
export function transferQuota(maskedInBlock: number, stepsPerBlock: number): number[] {
  const base = Math.floor(maskedInBlock / stepsPerBlock);
  const remainder = maskedInBlock % stepsPerBlock;
  return Array.from({ length: stepsPerBlock }, (_, i) => base + (i < remainder ? 1 : 0));
}

/** The half-open range `[lo, hi)` of block `b` in the sequence. */
export function blockRange(
  codeStart: number,
  schedule: BlockSchedule,
  block: number,
): { lo: number; hi: number } {
  const lo = codeStart + block * schedule.blockLength;
  return { lo, hi: lo + schedule.blockLength };
}

/** Positions in `[lo, hi)` that are still MASK. */
export function maskedInRange(x: Int32Array, lo: number, hi: number, layout: TokenLayout): Int32Array {
  const out: number[] = [];
  for (let p = lo; p < hi; p++) if (x[p] === layout.mask) out.push(p);
  return Int32Array.from(out);
}

export interface SampledText {
  tokens: Int32Array;
  /** `softmax(logits)[token]` in float64 (the `low_confidence` score). */
  confidence: Float64Array;
}

/**
 * Samples one token per row of full-vocabulary logits `[n, V]`. Upstream draws `argmax(exp(l) / (−log u)^t)`
 * in float64, which is `argmax(l − t·log(−log u))`, Gumbel-max at temperature t; that form is used here because
 * it cannot overflow. `perRow = V` takes one float64 uniform per entry (that exact form); `perRow = 1` samples
 * `softmax(l/t)` by inverse CDF from one uniform per row, the same distribution with V times less noise.
 * t = 0 is argmax and takes no noise.
 */
export function sampleTextTokens(
  logits: Float32Array,
  vocabSize: number,
  temperature: number,
  uniforms: Float64Array | null,
  perRow: number,
): SampledText {
  const n = logits.length / vocabSize;
  if (!Number.isInteger(n))
    throw new RangeError(`logits length ${logits.length} is not a multiple of ${vocabSize}`);
  if (temperature !== 0) {
    if (perRow !== 1 && perRow !== vocabSize) throw new RangeError(`perRow must be 1 or ${vocabSize}`);
    if (!uniforms || uniforms.length < n * perRow)
      throw new RangeError(`sampling ${n} rows needs ${n * perRow} uniforms`);
  }
  const tokens = new Int32Array(n);
  const confidence = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const from = r * vocabSize;
    let best = 0;
    if (temperature === 0) {
      for (let v = 1; v < vocabSize; v++) if (logits[from + v]! > logits[from + best]!) best = v;
    } else if (perRow === vocabSize) {
      let bestScore = Number.NEGATIVE_INFINITY;
      for (let v = 0; v < vocabSize; v++) {
        const score = logits[from + v]! - temperature * Math.log(-Math.log(uniforms![from + v]!));
        if (score > bestScore) {
          bestScore = score;
          best = v;
        }
      }
    } else {
      best = inverseCdf(logits, from, vocabSize, temperature, uniforms![r]!);
    }
    tokens[r] = best;
    confidence[r] = softmaxAt(logits, from, from + vocabSize, best);
  }
  return { tokens, confidence };
}

function inverseCdf(logits: Float32Array, from: number, size: number, t: number, u: number): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let v = 0; v < size; v++) max = Math.max(max, logits[from + v]!);
  let sum = 0;
  for (let v = 0; v < size; v++) sum += Math.exp((logits[from + v]! - max) / t);
  const target = u * sum;
  let acc = 0;
  for (let v = 0; v < size; v++) {
    acc += Math.exp((logits[from + v]! - max) / t);
    if (acc > target) return v;
  }
  return size - 1;
}

/**
 * `low_confidence` selection: the `quota` highest-confidence entries (ties: the earlier position first, a
 * deterministic stand-in for torch.topk's unspecified order). Returns indices into `confidence`.
 */
export function selectCommits(confidence: Float64Array, quota: number): number[] {
  const order = Array.from(confidence.keys()).sort((a, b) => confidence[b]! - confidence[a]! || a - b);
  return order.slice(0, Math.max(0, Math.min(quota, order.length)));
}

/**
 * One step inside a block: `positions` are the block's masked positions, `logits` their full-vocabulary logits
 * (guided already when CFG is on). Writes the `quota` most confident samples into `x`; returns their positions.
 */
export function commitStep(
  x: Int32Array,
  positions: Int32Array,
  logits: Float32Array,
  vocabSize: number,
  quota: number,
  temperature: number,
  uniforms: Float64Array | null,
  perRow: number,
): number[] {
  if (logits.length !== positions.length * vocabSize) {
    throw new RangeError(
      `expected logits for ${positions.length} positions × ${vocabSize}, got ${logits.length}`,
    );
  }
  const { tokens, confidence } = sampleTextTokens(logits, vocabSize, temperature, uniforms, perRow);
  const committed = selectCommits(confidence, quota).map((i) => {
    x[positions[i]!] = tokens[i]!;
    return positions[i]!;
  });
  return committed.sort((a, b) => a - b);
}

/**
 * The stop rule, checked after each block: the first position in `[codeStart, hi)` holding `</answer>`, the
 * answer padding or EOS, or −1. The model was trained to end answers with `</answer>` then padding.
 */
export function findAnswerEnd(x: Int32Array, codeStart: number, hi: number, layout: TokenLayout): number {
  for (let p = codeStart; p < hi; p++) {
    const id = x[p];
    if (id === layout.eoa || id === layout.answerPad || id === layout.eos) return p;
  }
  return -1;
}

/** The answer text of `x[codeStart : end)`, special tokens dropped. */
export function answerText(tokenizer: TextTokenizer, x: Int32Array, codeStart: number, end: number): string {
  // An answer that is `</answer>` at once is empty (the tokenizer refuses to decode no ids).
  if (end <= codeStart) return '';
  return tokenizer.decode(Array.from(x.subarray(codeStart, end)), { skipSpecial: true }).trim();
}
