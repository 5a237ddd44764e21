import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../engine/api.js';
import { DIMOO_TOKEN_LAYOUT } from '../../../engine/sampling/layout-type.js';
import { NoiseStream, uniformsF64 } from '../../../engine/sampling/rng.js';
import {
  answerText,
  blockRange,
  commitStep,
  findAnswerEnd,
  maskedInRange,
  planBlocks,
  sampleTextTokens,
  selectCommits,
  transferQuota,
} from '../../../engine/sampling/understanding.js';
import { understandingSequence } from '../../../engine/sequence.js';
import { CharTokenizer } from '../../doubles/char-tokenizer.js';

describe('block schedule validation (§4.3)', () => {
  it('splits steps evenly over blocks', () => {
    expect(planBlocks({ steps: 128, genLength: 128, blockLength: 32 })).toMatchObject({
      numBlocks: 4,
      stepsPerBlock: 32,
    });
    expect(planBlocks({ steps: 128, genLength: 1024, blockLength: 256 }).stepsPerBlock).toBe(32);
  });

  it('refuses gen_length not divisible by block_length, naming both', () => {
    try {
      planBlocks({ steps: 128, genLength: 100, blockLength: 32 });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(EngineError);
      expect((err as EngineError).code).toBe('bad_request');
      expect((err as EngineError).message).toBe('gen_length (100) must be a multiple of block_length (32)');
      expect((err as EngineError).params.detail).toBe((err as EngineError).message);
    }
  });

  it('refuses steps not divisible by the number of blocks', () => {
    expect(() => planBlocks({ steps: 30, genLength: 128, blockLength: 32 })).toThrow(
      /steps \(30\) must be a multiple of the number of blocks .* = 4\)/,
    );
  });

  it('refuses non-positive or fractional values', () => {
    expect(() => planBlocks({ steps: 0, genLength: 128, blockLength: 32 })).toThrow(
      /steps must be a positive/,
    );
    expect(() => planBlocks({ steps: 8, genLength: 12.5, blockLength: 32 })).toThrow(/genLength/);
  });
});

describe('per-block quota', () => {
  it('gives floor(n/steps) and the remainder to the first steps', () => {
    expect(transferQuota(32, 32)).toEqual(new Array(32).fill(1));
    expect(transferQuota(10, 4)).toEqual([3, 3, 2, 2]);
    expect(transferQuota(256, 32)).toEqual(new Array(32).fill(8));
    expect(transferQuota(3, 5)).toEqual([1, 1, 1, 0, 0]);
  });
});

describe('low-confidence commits', () => {
  it('takes the top-quota confidences, earlier position first on ties', () => {
    expect(selectCommits(Float64Array.of(0.1, 0.9, 0.5, 0.9), 2)).toEqual([1, 3]);
    expect(selectCommits(Float64Array.of(0.1, 0.9, 0.5), 5)).toEqual([1, 2, 0]);
    expect(selectCommits(Float64Array.of(0.1), 0)).toEqual([]);
  });

  it('samples argmax at t = 0 with float64 softmax confidence', () => {
    const out = sampleTextTokens(Float32Array.of(0, 2, 1, 3, 0, 0), 3, 0, null, 1);
    expect(Array.from(out.tokens)).toEqual([1, 0]);
    expect(out.confidence[0]).toBeCloseTo(Math.exp(2) / (1 + Math.exp(2) + Math.exp(1)), 12);
  });

  it('samples from softmax(l/t) with per-entry float64 uniforms (Gumbel-max)', () => {
    const V = 3;
    const n = 6000;
    const row = [0, 1, 2];
    const logits = Float32Array.from({ length: n * V }, (_, i) => row[i % V]!);
    const u = uniformsF64(1, 0, NoiseStream.text, n * V);
    const { tokens } = sampleTextTokens(logits, V, 0.5, u, V);
    const p = row.map((l) => Math.exp(l / 0.5));
    const z = p.reduce((a, b) => a + b);
    for (let k = 0; k < V; k++) {
      expect(tokens.filter((t) => t === k).length / n).toBeCloseTo(p[k]! / z, 1);
    }
  });
});

describe('a full block-diffusion run with a scripted model', () => {
  const layout = DIMOO_TOKEN_LAYOUT;
  const tokenizer = new CharTokenizer(layout);
  const V = layout.vocabSize;
  const image = { rows: 2, cols: 2, codes: Int32Array.of(1, 2, 3, 4) };

  // The "model" wants the answer "Hi!" then </answer> then padding; it is most sure of earlier positions.
  function target(offset: number): number {
    const text = [72, 105, 33];
    if (offset < text.length) return text[offset]!;
    return offset === text.length ? layout.eoa : layout.answerPad;
  }

  function run(genLength: number, blockLength: number, steps: number) {
    const seq = understandingSequence({ tokenizer, layout }, 'What?', image, genLength);
    const schedule = planBlocks({ steps, genLength, blockLength });
    const x = seq.ids.slice();
    let forwards = 0;
    let end = -1;
    for (let b = 0; b < schedule.numBlocks && end < 0; b++) {
      const { lo, hi } = blockRange(seq.codeStart, schedule, b);
      const quota = transferQuota(maskedInRange(x, lo, hi, layout).length, schedule.stepsPerBlock);
      for (let i = 0; i < schedule.stepsPerBlock; i++) {
        const positions = maskedInRange(x, lo, hi, layout);
        forwards++;
        const logits = new Float32Array(positions.length * V);
        positions.forEach((p, r) => {
          logits[r * V + target(p - seq.codeStart)] = 20 - 0.1 * (p - seq.codeStart);
        });
        commitStep(x, positions, logits, V, quota[i]!, 0, null, 1);
      }
      end = findAnswerEnd(x, seq.codeStart, hi, layout);
    }
    return { seq, x, forwards, end };
  }

  it('stops after the block where </answer> appears and cuts the text there', () => {
    const { seq, x, forwards, end } = run(32, 8, 32);
    expect(forwards).toBe(8); // one block: 8 positions over 8 steps; the other 3 blocks never run
    expect(end).toBe(seq.codeStart + 3);
    expect(answerText(tokenizer, x, seq.codeStart, end)).toBe('Hi!');
    expect(x[seq.codeStart + 8]).toBe(layout.mask);
  });

  it('commits two tokens per step when the quota says so and leaves later blocks masked', () => {
    const { seq, x, forwards, end } = run(16, 4, 8); // 4 blocks × 2 steps, 2 tokens per step
    expect(forwards).toBe(2);
    expect(end).toBe(seq.codeStart + 3);
    expect(Array.from(x.subarray(seq.codeStart, seq.codeStart + 5))).toEqual([
      72,
      105,
      33,
      layout.eoa,
      layout.mask,
    ]);
  });

  it('runs every block when no end token appears and decodes up to EOA', () => {
    const seq = understandingSequence({ tokenizer, layout }, 'Q', image, 4);
    const x = seq.ids.slice();
    const schedule = planBlocks({ steps: 4, genLength: 4, blockLength: 2 });
    for (let b = 0; b < schedule.numBlocks; b++) {
      const { lo, hi } = blockRange(seq.codeStart, schedule, b);
      const quota = transferQuota(maskedInRange(x, lo, hi, layout).length, schedule.stepsPerBlock);
      for (let i = 0; i < schedule.stepsPerBlock; i++) {
        const positions = maskedInRange(x, lo, hi, layout);
        const logits = new Float32Array(positions.length * V);
        positions.forEach((_, r) => {
          logits[r * V + 97 + b] = 5;
        });
        commitStep(x, positions, logits, V, quota[i]!, 0, null, 1);
      }
      expect(findAnswerEnd(x, seq.codeStart, hi, layout)).toBe(-1);
    }
    expect(answerText(tokenizer, x, seq.codeStart, seq.answerEnd)).toBe('aabb');
  });

  it('finds padding or EOS as an end too, and −1 when there is none', () => {
    const x = Int32Array.of(65, 66, layout.answerPad, 67);
    expect(findAnswerEnd(x, 0, 4, layout)).toBe(2);
    expect(findAnswerEnd(Int32Array.of(65, layout.eos), 0, 2, layout)).toBe(1);
    expect(findAnswerEnd(Int32Array.of(65, 66), 0, 2, layout)).toBe(-1);
  });

  it('refuses logits that do not match the positions', () => {
    expect(() =>
      commitStep(new Int32Array(4), Int32Array.of(1, 2), new Float32Array(V), V, 1, 0, null, 1),
    ).toThrow(/expected logits for 2 positions/);
  });
});
